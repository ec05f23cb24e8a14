/**
 * The HTML report's frame: one self-contained file. uPlot's script and style are read from node_modules at
 * render time and inlined, so the report opens offline, from a CI artifact, years later. A Content Security
 * Policy forbids every network fetch and runs only the page's own scripts (by hash), so even a string that
 * escaped escaping could neither run (no inline handlers) nor reach out.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { html, jsonForScript } from './escape.ts';
import type { ChartSpec } from './html-charts.ts';

interface Assets {
  uplotJs: string;
  uplotCss: string;
  client: string;
}

let assets: Assets | undefined;

function loadAssets(): Assets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const read = (what: string, path: string) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`HTML report: reading ${what} (${path}) failed: ${(err as Error).message}`);
    }
    // Inlined as is: a closing tag inside would end the element early.
    if (/<\/(script|style)/i.test(text))
      throw new Error(`HTML report: ${what} (${path}) contains a closing tag`);
    return text;
  };
  assets = {
    uplotJs: read('uPlot', require.resolve('uplot/dist/uPlot.iife.min.js')),
    uplotCss: read('uPlot style', require.resolve('uplot/dist/uPlot.min.css')),
    client: read('the chart script', fileURLToPath(new URL('./charts.client.js', import.meta.url))),
  };
  return assets;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 0 1.5em 3em; max-width: 1500px; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.dim, .note { color: #666; font-size: .92em; }
.warn { color: #a00; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: .6em 1em; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 1em; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
.v { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 700; font-size: .85em; color: #fff; }
.v-pass { background: #2e7d32; } .v-marginal { background: #c98a00; } .v-fail { background: #c62828; }
.v-error { background: #6a1b9a; } .v-skip { background: #888; } .v-running, .v-incomplete { background: #37597a; }
.chart { margin: .5em 0 1.2em; min-height: 200px; }
.chart-error { color: #a00; }
details.transcript summary { cursor: pointer; font-weight: 600; }
table.transcript td { font-size: .85em; } table.transcript code { white-space: pre-wrap; word-break: break-all; }
tr.d-tx td { background: #f4f8ff; } tr.d-note td { color: #666; font-style: italic; } tr.raw td { color: #a00; }
section.step, section.device { border-left: 3px solid #ddd; padding-left: 1em; margin: 1.5em 0; }
`;

export interface Page {
  title: string;
  body: string;
  charts: readonly ChartSpec[];
}

const hash = (script: string) => `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;

export function page(p: Page): string {
  const a = loadAssets();
  const csp = `default-src 'none'; script-src ${hash(a.uplotJs)} ${hash(a.client)}; style-src 'unsafe-inline'; img-src data:`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // No fetches of any kind; only these two scripts run; inline style (the report is one file).
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${html(p.title)}</title>`,
    `<style>${a.uplotCss}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body data-charts-expected="${p.charts.length}" data-charts-rendered="0">`,
    p.body,
    `<script type="application/json" id="rig-charts">${jsonForScript(p.charts)}</script>`,
    `<script>${a.uplotJs}</script>`,
    `<script>${a.client}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
