import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { type Browser, chromium, type Page } from 'playwright-core';
import { RecordingWriter } from '../src/power/index.ts';
import { replay } from '../src/runner/model.ts';
import { renderHtml, writeReports } from '../src/runner/report/index.ts';
import { readResultsLog } from '../src/runner/results-log.ts';
import { CDATA_END, HOSTILE, makeRunDir, type RunDir, TRANSCRIPT_ENTRIES } from './helpers/report-run-dir.ts';

const CHROMIUM = '/usr/bin/chromium';

// What the functions evaluated in the page use of it (the project compiles without the DOM library).
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageCanvas>;
  body: { textContent: string | null };
};
declare const window: {
  __rigCharts: number;
  __rigPlots: { scales: { x: { min: number; max: number } } }[];
};

async function launch(t: ExecutionContext): Promise<Browser> {
  t.true(existsSync(CHROMIUM), `${CHROMIUM} is needed for this test (apt-get install chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

interface Opened {
  page: Page;
  errors: string[];
  external: string[];
}

/** The report in a page that records script errors, dialogs and every request that is not the file itself. */
async function open(browser: Browser, run: RunDir): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const external: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(join(run.dir, 'report.html')).href, { waitUntil: 'load' });
  return { page, errors, external };
}

/** Canvases of the charts that hold drawn pixels, and per chart how many opaque pixels have the series colour. */
async function chartPixels(page: Page): Promise<{ nonBlank: number; seriesPixels: number[] }> {
  return page.evaluate(() => {
    const seriesPixels: number[] = [];
    let nonBlank = 0;
    for (const canvas of document.querySelectorAll('.chart canvas')) {
      const ctx = canvas.getContext('2d');
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      let series = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) drawn++;
        // #4e79a7, the first series colour, nearly opaque
        const near =
          Math.abs(data[i]! - 78) + Math.abs(data[i + 1]! - 121) + Math.abs(data[i + 2]! - 167) < 40;
        if (data[i + 3]! > 200 && near) series++;
      }
      if (drawn > 0) nonBlank++;
      seriesPixels.push(series);
    }
    return { nonBlank, seriesPixels };
  });
}

test.serial(
  'html (headless Chromium): charts render, hostile strings stay text, nothing leaves the page',
  async (t) => {
    const browser = await launch(t);
    const run = await makeRunDir();
    t.teardown(run.remove);
    await writeReports(run.dir);
    const { page, errors, external } = await open(browser, run);
    await page.waitForFunction((n) => window.__rigCharts === n, run.charts, {
      timeout: 10_000,
    });
    t.deepEqual(errors, []);
    t.deepEqual(external, []);
    t.is(await page.getAttribute('body', 'data-charts-rendered'), String(run.charts));
    t.is(await page.getAttribute('body', 'data-charts-expected'), String(run.charts));
    const pixels = await chartPixels(page);
    t.is(pixels.nonBlank, run.charts, 'every chart canvas has something drawn');
    // Charts 4 and 5 are the two power traces (after the campaign's three), drawn in the first series colour.
    t.true(pixels.seriesPixels[3]! > 300, `timeline trace drawn (${pixels.seriesPixels[3]} series pixels)`);
    t.true(pixels.seriesPixels[4]! > 300, `recording trace drawn (${pixels.seriesPixels[4]} series pixels)`);

    const text = await page.evaluate(() => document.body.textContent ?? '');
    t.true(text.includes(HOSTILE), 'the hostile title shows as text');
    t.true(text.includes(CDATA_END));
    t.true(text.includes('nul␀ bell␇ esc␛[31m'), 'control characters shown as pictures');
    t.is(await page.locator('img').count(), 0, 'no element was injected');
    t.is(await page.locator('script').count(), 3, 'the data block, uPlot and the chart script only');
    t.true(
      text.includes(`Showing the first 500 of ${TRANSCRIPT_ENTRIES + 1} entries`),
      'a long transcript is cut with a note',
    );
    t.is(await page.locator('details.transcript table.transcript tbody tr').count(), 500);
    t.false(text.includes('Incomplete run'), 'no banner for a complete run');
    // A verdict table row per step.
    t.is(await page.locator('table.verdicts tbody tr').count(), 6);
  },
);

test.serial('html (headless Chromium): a trace zooms on drag and resets on double-click', async (t) => {
  const browser = await launch(t);
  const run = await makeRunDir();
  t.teardown(run.remove);
  await writeReports(run.dir);
  const { page, errors } = await open(browser, run);
  await page.waitForFunction(() => window.__rigCharts > 0);
  const xRange = () =>
    page.evaluate(() => {
      const u = window.__rigPlots[3]!;
      return [u.scales.x.min, u.scales.x.max] as const;
    });
  const before = await xRange();
  const over = page.locator('#chart-4 .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = (await over.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 5 });
  await page.mouse.up();
  const zoomed = await xRange();
  t.true(zoomed[0] > before[0] && zoomed[1] < before[1], `zoomed from ${before} to ${zoomed}`);
  await page.mouse.dblclick(box.x + box.width * 0.5, y);
  t.deepEqual(await xRange(), before);
  t.deepEqual(errors, []);
});

test.serial('html (headless Chromium): a crashed run renders what finished, with a banner', async (t) => {
  const browser = await launch(t);
  const run = await makeRunDir({ complete: false });
  t.teardown(run.remove);
  const written = await writeReports(run.dir);
  t.is(written.verdict, 'incomplete');
  t.truthy(written.torn);
  const { page, errors, external } = await open(browser, run);
  await page.waitForFunction((n) => window.__rigCharts === n, run.charts);
  t.deepEqual(errors, []);
  t.deepEqual(external, []);
  const text = await page.evaluate(() => document.body.textContent ?? '');
  t.regex(text, /Incomplete run: the results log ends without run-end/);
  t.is(
    await page.locator('.v-running').count(),
    3,
    'the unfinished step (table row, heading) and its scenario',
  );
  t.is(await page.locator('.banner').count(), 1);
});

test('html: the file is self-contained (no URL the browser would fetch)', async (t) => {
  const run = await makeRunDir();
  t.teardown(run.remove);
  await writeReports(run.dir);
  const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
  t.notRegex(html, /<(script|link|img)[^>]+(src|href)=/i);
  t.regex(html, /Content-Security-Policy" content="default-src 'none'/);
  // The embedded data cannot close its element: `<` inside it is \u003c.
  const data = html.slice(
    html.indexOf('id="rig-charts">'),
    html.indexOf('</script>', html.indexOf('id="rig-charts">')),
  );
  t.false(data.slice(data.indexOf('>') + 1).includes('<'));
  t.true(data.includes('\\u003c/script>'));
});

test.serial(
  'html (headless Chromium): degenerate traces and an empty campaign draw without script errors',
  async (t) => {
    const browser = await launch(t);
    const run = await makeRunDir();
    t.teardown(run.remove);
    const record = replay(readResultsLog(join(run.dir, 'results.jsonl')).events);
    const timeline = (segments: [number, number][]) =>
      JSON.stringify({ unit: 'µA', voltageMv: 3000, start: 1000, segments });
    writeFileSync(join(run.dir, 'evidence', 'one.json'), timeline([[1000, 5]]));
    writeFileSync(join(run.dir, 'evidence', 'none.json'), timeline([]));
    const empty = await RecordingWriter.create({
      dir: join(run.dir, 'evidence', 'empty-recording'),
      meter: { kind: 'sim', spec: 'sim:test' },
      rateHz: 100,
      voltageMv: 3000,
      durable: false,
    });
    await empty.close();
    record.scenarios[0]!.steps[0]!.evidence.push(
      { kind: 'power', title: 'one segment', path: 'evidence/one.json' },
      { kind: 'power', title: 'no segment', path: 'evidence/none.json' },
      { kind: 'power', title: 'no sample', path: 'evidence/empty-recording' },
    );
    record.scenarios[1]!.steps[0]!.campaign!.devices = [];
    writeFileSync(join(run.dir, 'report.html'), await renderHtml(record, run.dir));
    const { page, errors } = await open(browser, run);
    // 5 traces and the air time; no CDF and no energy chart without devices.
    await page.waitForFunction(() => window.__rigCharts === 6);
    t.deepEqual(errors, []);
    t.is(await page.getAttribute('body', 'data-charts-expected'), '6');
  },
);
