import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseDocument } from 'yaml';
import {
  type CurrentState,
  listModuleProfiles,
  loadModuleProfile,
  MODULES_DIR,
  type ModuleProfile,
  ProfileError,
} from '../src/hardware/index.ts';

const REQUIRED_IDS = [
  'quectel-bg95',
  'quectel-bg96',
  'quectel-bc66',
  'ublox-sara-r5',
  'nordic-nrf9160',
  'simcom-sim7080g',
];

const ids = listModuleProfiles();
const profiles = new Map<string, ModuleProfile>(ids.map((id) => [id, loadModuleProfile(id)]));

test('the six module profiles the rig ships with exist', (t) => {
  for (const id of REQUIRED_IDS) t.true(ids.includes(id), `missing hardware/modules/${id}.yaml`);
});

test('every profile in hardware/modules loads and validates', (t) => {
  t.true(ids.length >= REQUIRED_IDS.length);
  for (const id of ids) t.notThrows(() => loadModuleProfile(id), id);
});

test('the id written in each file matches its file name', (t) => {
  for (const id of ids) {
    const raw = parseDocument(readFileSync(join(MODULES_DIR, `${id}.yaml`), 'utf8')).toJS() as {
      id?: unknown;
    };
    t.is(raw.id, id);
  }
});

test('currents rise from PSM through eDRX sleep, idle and connected to transmit', (t) => {
  const order: CurrentState[] = ['psm', 'edrxSleep', 'idle', 'connected'];
  for (const [id, p] of profiles) {
    for (let i = 1; i < order.length; i++) {
      const lower = order[i - 1]!;
      const higher = order[i]!;
      t.true(p.current[lower].uA < p.current[higher].uA, `${id}: ${lower} must draw less than ${higher}`);
    }
    t.true(p.current.connected.uA <= p.current.tx.uA, `${id}: connected must not exceed tx`);
  }
});

test('engineering estimates are never tagged as checked or documented', (t) => {
  for (const [id, p] of profiles) {
    for (const [state, figure] of Object.entries(p.current)) {
      if (/estimate|proxy/i.test(figure.source)) t.is(figure.confidence, 'M', `${id}: current.${state}`);
    }
  }
});

test('supply ranges contain their nominal voltage', (t) => {
  for (const [id, p] of profiles) {
    t.true(p.supply.minV <= p.supply.nominalV && p.supply.nominalV <= p.supply.maxV, id);
  }
});

test('boot banners carry the markers the dialects wait for', (t) => {
  t.deepEqual(profiles.get('nordic-nrf9160')?.identification.bootBanner, ['Ready']);
  t.deepEqual(profiles.get('simcom-sim7080g')?.identification.bootBanner, [
    'RDY',
    '+CFUN: 1',
    '+CPIN: READY',
    'SMS Ready',
  ]);
  t.true(profiles.get('quectel-bc66')?.identification.bootBanner.includes('Leaving the BROM'));
  t.is(profiles.get('quectel-bg95')?.identification.bootBanner[0], 'RDY');
});

test('the BC66 has no USB AT port and the Quectel USB modules do', (t) => {
  t.deepEqual(profiles.get('quectel-bc66')?.serial.usb, []);
  t.is(profiles.get('quectel-bg96')?.serial.usb[0]?.pid, '0296');
  t.is(profiles.get('quectel-bg95')?.serial.usb[0]?.pid, '0700');
});

test('the module table in hardware/README.md shows each PSM floor with its tag', (t) => {
  const readme = readFileSync(join(MODULES_DIR, '..', 'README.md'), 'utf8');
  for (const [id, p] of profiles) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${id}\` |`));
    t.truthy(row, `README has no row for ${id}`);
    t.true(row?.includes(`${p.current.psm.uA} µA [${p.current.psm.confidence}]`), `${id}: ${row}`);
    t.true(row?.includes(`| ${p.dialect} |`), `${id}: ${row}`);
  }
});

/** Write `text` as <dir>/<id>.yaml in a fresh temp dir, load it, return the error and where the key sits. */
function loadBroken(t: { teardown: (fn: () => void) => void }, id: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rig-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `${id}.yaml`);
  writeFileSync(file, text);
  let error: unknown;
  try {
    loadModuleProfile(id, dir);
  } catch (e) {
    error = e;
  }
  return { error, file };
}

function lineNumberOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`fixture does not contain "${needle}"`);
  return index + 1;
}

const BG95_TEXT = readFileSync(join(MODULES_DIR, 'quectel-bg95.yaml'), 'utf8');

test('a profile with a bad value names the file, the key path and the line', (t) => {
  const text = BG95_TEXT.replace('id: quectel-bg95', 'id: broken-baud').replace('baud: 115200', 'baud: fast');
  const { error, file } = loadBroken(t, 'broken-baud', text);
  t.true(error instanceof ProfileError);
  const message = (error as ProfileError).message;
  t.true(message.includes(file), message);
  t.true(message.includes('serial.baud'), message);
  t.true(message.includes(`:${lineNumberOf(text, 'baud: fast')}:`), message);
});

test('a misspelled current state is reported inside the current block', (t) => {
  const text = BG95_TEXT.replace('id: quectel-bg95', 'id: broken-state').replace('edrxSleep:', 'edrxsleep:');
  const { error, file } = loadBroken(t, 'broken-state', text);
  t.true(error instanceof ProfileError);
  const message = (error as ProfileError).message;
  t.true(message.includes(file), message);
  t.true(message.includes('current.edrxSleep'), message);
  // The key is missing, so the loader points at the nearest existing parent: the `current` block.
  const line = Number(message.slice(file.length + 1).split(':')[0]);
  t.true(line >= lineNumberOf(text, 'current:') && line < lineNumberOf(text, 'timing:'), message);
});

test('a bad confidence tag deep in the file is reported on its own line', (t) => {
  const text = BG95_TEXT.replace('id: quectel-bg95', 'id: broken-tag').replace(
    'source: "engineering estimate: RRC idle, DRX 1.28 s", confidence: M',
    'source: "engineering estimate: RRC idle, DRX 1.28 s", confidence: X',
  );
  const { error } = loadBroken(t, 'broken-tag', text);
  t.true(error instanceof ProfileError);
  const message = (error as ProfileError).message;
  t.true(message.includes('current.idle.confidence'), message);
  t.true(message.includes(`:${lineNumberOf(text, 'confidence: X')}:`), message);
});

test('a file whose id differs from its name is refused', (t) => {
  const { error } = loadBroken(t, 'renamed-copy', BG95_TEXT);
  t.true(error instanceof ProfileError);
  t.regex((error as ProfileError).message, /id is "quectel-bg95", expected "renamed-copy"/);
});
