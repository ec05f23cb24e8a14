import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parseDocument } from 'yaml';
import { PPK2_SAMPLE_RATE_HZ, PPK2_USB_PRODUCT_ID, PPK2_USB_VENDOR_ID } from '../src/power/index.ts';
import { ARC_CURRENT_RATE_HZ, OTII_DEFAULT_PORT } from '../src/power/otii/index.ts';
import { KEITHLEY_2280_BUFFER, SCPI_TCP_PORT } from '../src/power/scpi/index.ts';

// Meter profiles (hardware/meters/*.yaml) have no loader yet: these checks hold them to the rules of
// hardware/meters/README.md and to the constants the drivers use.

const METERS_DIR = fileURLToPath(new URL('../hardware/meters/', import.meta.url));
type Node = Record<string, unknown>;

const files = readdirSync(METERS_DIR).filter((f) => f.endsWith('.yaml'));
const profiles = new Map<string, Node>(
  files.map((f) => {
    const doc = parseDocument(readFileSync(join(METERS_DIR, f), 'utf8'));
    if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]!.message}`);
    return [f.replace(/\.yaml$/, ''), doc.toJS() as Node];
  }),
);

/** Every object in the tree with a numeric `value`: a figure, with its path. */
function figures(node: unknown, path: string[] = []): [string, Node][] {
  if (Array.isArray(node)) return node.flatMap((n, i) => figures(n, [...path, String(i)]));
  if (typeof node !== 'object' || node === null) return [];
  const o = node as Node;
  const own: [string, Node][] = typeof o.value === 'number' ? [[path.join('.'), o]] : [];
  return [...own, ...Object.entries(o).flatMap(([k, v]) => figures(v, [...path, k]))];
}

const get = (id: string, ...path: string[]): unknown =>
  path.reduce<unknown>((n, k) => (n as Node | undefined)?.[k], profiles.get(id));

test('the four meter profiles exist, each id matching its file, each naming its driver', (t) => {
  t.deepEqual([...profiles.keys()].sort(), ['keithley-2280s', 'keysight-n6705c-n6781a', 'otii-arc', 'ppk2']);
  for (const [id, p] of profiles) {
    t.is(p.id, id);
    t.true(['ppk2', 'scpi', 'otii'].includes(String(p.driver)), `${id}: driver ${String(p.driver)}`);
    t.true(String(p.spec).startsWith(`${p.driver}:`), `${id}: spec ${String(p.spec)}`);
  }
});

test('every figure carries its source and a V/D/M tag; estimates are M', (t) => {
  for (const [id, p] of profiles) {
    const found = figures(p);
    t.true(found.length >= 5, `${id} has ${found.length} figures`);
    for (const [path, f] of found) {
      t.true(typeof f.source === 'string' && f.source.length > 0, `${id} ${path}: no source`);
      t.true(
        ['V', 'D', 'M'].includes(String(f.confidence)),
        `${id} ${path}: confidence ${String(f.confidence)}`,
      );
      if (/estimate|assumption|not in the reference|recollection/i.test(String(f.source))) {
        t.is(f.confidence, 'M', `${id} ${path}: "${String(f.source)}" must be M`);
      }
    }
  }
});

test('profiles agree with the drivers', (t) => {
  t.is(get('ppk2', 'sampling', 'rateHz', 'value'), PPK2_SAMPLE_RATE_HZ);
  t.like(get('ppk2', 'connection', 'usb', '0'), { vid: PPK2_USB_VENDOR_ID, pid: PPK2_USB_PRODUCT_ID });
  t.is(get('keysight-n6705c-n6781a', 'connection', 'tcp', 'port'), SCPI_TCP_PORT);
  t.is(get('keithley-2280s', 'sampling', 'bufferReadings', 'value'), KEITHLEY_2280_BUFFER);
  t.is(get('otii-arc', 'connection', 'tcp', 'port'), OTII_DEFAULT_PORT);
  t.is(get('otii-arc', 'sampling', 'rateHz', 'value'), ARC_CURRENT_RATE_HZ);
  t.is(get('keithley-2280s', 'modes', 'ampere', 'supported'), false);
});
