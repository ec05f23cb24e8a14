/*
 * Runs in the HTML report (inlined after uPlot): draws every chart described in the JSON block
 * #rig-charts. Text from the run reaches the page only through canvas text and textContent, never markup.
 * Zoom: drag across a chart (sideways for time, up/down for current); double-click resets.
 * window.__rigCharts counts the charts drawn (tests read it), window.__rigChartErrors lists failures,
 * window.__rigPlots holds the uPlot instances (for a look from the browser console).
 */
(() => {
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
  const alpha = (hex, a) => {
    const n = Number.parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  };
  const fmt = (v, digits) =>
    v === null || v === undefined ? '–' : Number(v.toPrecision(digits || 4)).toString();
  const widthOf = (el) => Math.max(320, Math.min(el.clientWidth || 900, 1400));

  /** Phase spans as shaded bands with their names, under the series. */
  function drawPhases(u, phases) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
    ctx.textBaseline = 'top';
    phases.forEach((p, i) => {
      const x0 = u.valToPos(p.from, 'x', true);
      const x1 = u.valToPos(p.to, 'x', true);
      const colour = PALETTE[i % PALETTE.length];
      ctx.fillStyle = alpha(colour, 0.13);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
      ctx.fillStyle = colour;
      ctx.fillText(p.label, Math.max(x0, left) + 3, top + 3 + (i % 3) * 13 * devicePixelRatio);
    });
    ctx.restore();
  }

  /** Instant marks as dashed vertical lines with their names. */
  function drawMarks(u, marks) {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = '#555';
    ctx.fillStyle = '#333';
    ctx.setLineDash([4, 3]);
    ctx.font = `${Math.round(10 * devicePixelRatio)}px sans-serif`;
    for (const m of marks) {
      const x = u.valToPos(m.at, 'x', true);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillText(m.label, x + 2, top + height - 4);
    }
    ctx.restore();
  }

  const stepped = () => uPlot.paths.stepped({ align: 1 });
  const bars = () => uPlot.paths.bars({ size: [0.6, 80] });

  function traceChart(spec, width) {
    const t = spec.trace;
    const common = { scale: 'uA', points: { show: false }, paths: stepped() };
    const opts = {
      title: spec.title,
      width,
      height: 280,
      scales: { x: { time: false } },
      cursor: { drag: { x: true, y: true, uni: 40 } },
      axes: [{ label: 'time since trace start (s)' }, { scale: 'uA', label: 'current (µA)', size: 70 }],
      hooks: { drawClear: [(u) => drawPhases(u, t.phases)], draw: [(u) => drawMarks(u, t.marks)] },
      series: [{ label: 't (s)', value: (_u, v) => fmt(v, 6) }],
    };
    let data;
    if (t.shape === 'step') {
      opts.series.push({ ...common, label: 'current (µA)', stroke: PALETTE[0], width: 1.5 });
      data = [t.x, t.y];
    } else {
      opts.series.push(
        { ...common, label: 'max (µA)', stroke: alpha(PALETTE[0], 0.5) },
        { ...common, label: 'mean (µA)', stroke: PALETTE[0], width: 1.5 },
        { ...common, label: 'min (µA)', stroke: alpha(PALETTE[0], 0.5) },
      );
      opts.bands = [{ series: [1, 3], fill: alpha(PALETTE[0], 0.2) }];
      data = [t.x, t.max, t.mean, t.min];
    }
    return { opts, data };
  }

  function cdfChart(spec, width) {
    return {
      opts: {
        title: spec.title,
        width,
        height: 240,
        // A little room past the last device, so the final step shows.
        scales: {
          x: { time: false, range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
          y: { range: [0, 1] },
        },
        axes: [
          { label: spec.xLabel },
          { label: 'devices updated', values: (_u, s) => s.map((v) => `${Math.round(v * 100)} %`) },
        ],
        series: [
          { label: spec.xLabel, value: (_u, v) => fmt(v) },
          {
            label: 'share updated',
            stroke: PALETTE[2],
            width: 2,
            paths: stepped(),
            value: (_u, v) => (v === null ? '–' : `${Math.round(v * 100)} %`),
          },
        ],
      },
      data: [spec.x, spec.y],
    };
  }

  function categoryAxis(categories) {
    return {
      splits: () => categories.map((_c, i) => i),
      values: (_u, splits) => splits.map((i) => categories[i] ?? ''),
      grid: { show: false },
    };
  }

  /** Stacked bars: cumulative series drawn tallest first, so each phase shows as its own slice. */
  function stackedChart(spec, width) {
    const n = spec.categories.length;
    const cumulative = [];
    let running = spec.categories.map(() => 0);
    for (const s of spec.series) {
      running = running.map((v, i) => v + (s.values[i] || 0));
      cumulative.push(running);
    }
    const order = spec.series.map((_s, i) => i).reverse();
    return {
      opts: {
        title: spec.title,
        width,
        height: 260,
        scales: { x: { time: false, range: [-0.5, n - 0.5] } },
        axes: [categoryAxis(spec.categories), { label: spec.yLabel, size: 60 }],
        series: [
          { label: 'device', value: (_u, v) => spec.categories[v] ?? '' },
          ...order.map((i) => ({
            label: spec.series[i].label,
            fill: PALETTE[i % PALETTE.length],
            stroke: PALETTE[i % PALETTE.length],
            paths: bars(),
            points: { show: false },
            value: (_u, _v, _si, di) => (di === null ? '–' : fmt(spec.series[i].values[di])),
          })),
        ],
      },
      data: [spec.categories.map((_c, i) => i), ...order.map((i) => cumulative[i])],
    };
  }

  function barsChart(spec, width) {
    const n = spec.categories.length;
    return {
      opts: {
        title: spec.title,
        width,
        height: 220,
        scales: {
          x: { time: false, range: [-0.5, n - 0.5] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [categoryAxis(spec.categories), { label: spec.yLabel, size: 60 }],
        series: [
          { label: 'what', value: (_u, v) => spec.categories[v] ?? '' },
          {
            label: spec.yLabel,
            fill: PALETTE[0],
            stroke: PALETTE[0],
            paths: bars(),
            points: { show: false },
          },
        ],
      },
      data: [spec.categories.map((_c, i) => i), spec.values],
    };
  }

  const BUILDERS = { trace: traceChart, cdf: cdfChart, stacked: stackedChart, bars: barsChart };
  const specs = JSON.parse(document.getElementById('rig-charts').textContent);
  window.__rigCharts = 0;
  window.__rigChartErrors = [];
  window.__rigPlots = [];
  for (const spec of specs) {
    const el = document.getElementById(spec.id);
    try {
      const { opts, data } = BUILDERS[spec.kind](spec, widthOf(el));
      window.__rigPlots.push(new uPlot(opts, data, el));
      window.__rigCharts++;
    } catch (err) {
      const note = document.createElement('p');
      note.className = 'chart-error';
      note.textContent = `chart "${spec.title}" could not be drawn: ${err?.message}`;
      el.appendChild(note);
      window.__rigChartErrors.push(String(err?.message));
      console.error(err);
    }
  }
  document.body.setAttribute('data-charts-rendered', String(window.__rigCharts));
})();
