import { generateKeyPairSync } from 'node:crypto';
import test from 'ava';
import {
  buildDeviceImage,
  decideSwap,
  readSlot,
  readTrailer,
  SwapType,
  stubPayload,
  type TrailerState,
  UpdateAgent,
  UpdateResult,
  UpdateState,
} from '../firmware-stubs/agent/index.ts';
import { EmulatedFlash, PowerCutError } from '../firmware-stubs/flash/index.ts';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const deviceClass = 'emulated-bg95';
const options = { publicKey: keys.publicKey, deviceClass, mode: 'swap-scratch' as const, slotSectors: 4 };
const geometry = { sectorSize: 256, sectorCount: 16, writeAlign: 8, erasedValue: 0xff as const };

const image = (version: string, counter: number, size = 600, over: { deviceClass?: string } = {}) =>
  buildDeviceImage(
    {
      deviceClass: over.deviceClass ?? deviceClass,
      version,
      securityCounter: counter,
      payload: stubPayload(version, size),
    },
    keys.privateKey,
  );
const v1 = image('1.0.0', 1, 500);
const v2 = image('2.0.0', 2);

function device(mode: 'swap-scratch' | 'overwrite-only' = 'swap-scratch') {
  const flash = new EmulatedFlash(geometry);
  const opts = { ...options, mode };
  UpdateAgent.provision(flash, opts, v1);
  const agent = UpdateAgent.boot(flash, opts);
  agent.confirm();
  return { flash, agent, opts };
}

const primaryBytes = (a: UpdateAgent) =>
  Buffer.from(readSlot(a.flash, a.layout, a.layout.primary, a.layout.imageBytes + 256));

// Decision table (§1.4), row by row.
const t_ = (
  magic: TrailerState['magic'],
  imageOk: TrailerState['imageOk'],
  copyDone: TrailerState['copyDone'],
) => ({
  magic,
  imageOk,
  copyDone,
  swapType: undefined,
});
const any = t_('unset', 'unset', 'unset');
const rows: Array<[string, TrailerState, TrailerState, SwapType]> = [
  ['II: secondary GOOD, image ok UNSET → TEST', any, t_('good', 'unset', 'unset'), SwapType.Test],
  [
    'II: any primary, secondary copy done SET → still TEST',
    t_('good', 'set', 'set'),
    t_('good', 'unset', 'set'),
    SwapType.Test,
  ],
  ['III: secondary GOOD, image ok SET → PERM', any, t_('good', 'set', 'unset'), SwapType.Perm],
  [
    'IV: primary GOOD, image ok UNSET, copy done SET → REVERT',
    t_('good', 'unset', 'set'),
    any,
    SwapType.Revert,
  ],
  ['V: confirmed primary, empty secondary → NONE', t_('good', 'set', 'set'), any, SwapType.None],
  [
    'V: secondary magic BAD matches no row → NONE',
    t_('good', 'set', 'set'),
    t_('bad', 'unset', 'unset'),
    SwapType.None,
  ],
  ['V: secondary image ok BAD matches no row → NONE', any, t_('good', 'bad', 'unset'), SwapType.None],
  ['V: primary copy done UNSET is no revert → NONE', t_('good', 'unset', 'unset'), any, SwapType.None],
  ['V: primary magic BAD is no revert → NONE', t_('bad', 'unset', 'set'), any, SwapType.None],
];
for (const [name, primary, secondary, expected] of rows)
  test(`decision table ${name}`, (t) => {
    t.is(decideSwap(primary, secondary, 'swap-scratch'), expected);
  });

test('decision table in overwrite-only: a test request is permanent, there is no revert', (t) => {
  t.is(decideSwap(any, t_('good', 'unset', 'unset'), 'overwrite-only'), SwapType.Perm);
  t.is(decideSwap(t_('good', 'unset', 'set'), any, 'overwrite-only'), SwapType.None);
});

test('a clean update: Downloading → Downloaded → Updating (test boot) → confirm → Idle, Success', (t) => {
  let { agent } = device();
  t.is(agent.runningVersion, '1.0.0');
  t.is(agent.state, UpdateState.Idle);
  t.true(agent.download(v2).ok);
  t.is(agent.state, UpdateState.Downloaded);
  agent = agent.install();
  t.is(agent.runningVersion, '2.0.0');
  t.is(agent.report.boot.action, 'test');
  t.deepEqual([agent.state, agent.result], [UpdateState.Updating, UpdateResult.Initial]);
  t.false(agent.report.confirmed);
  agent.confirm();
  t.deepEqual([agent.state, agent.result], [UpdateState.Idle, UpdateResult.Success]);
  agent = agent.reset();
  t.is(agent.runningVersion, '2.0.0');
  t.deepEqual([agent.state, agent.result], [UpdateState.Idle, UpdateResult.Success]);
  t.like(readTrailer(agent.flash, agent.layout, agent.layout.primary), {
    magic: 'good',
    imageOk: 'set',
    copyDone: 'set',
  });
  t.is(readTrailer(agent.flash, agent.layout, agent.layout.secondary).magic, 'unset');
  t.true(primaryBytes(agent).subarray(0, v2.length).equals(v2));
  t.true(Buffer.from(readSlot(agent.flash, agent.layout, agent.layout.secondary, v1.length)).equals(v1));
  t.is(
    agent.opsOf(() => agent.reset()),
    0,
    'a further boot moves nothing',
  );
});

test('a reset without confirm reverts to the old image and reports Update failed (8)', (t) => {
  let { agent } = device();
  agent.download(v2);
  agent = agent.install();
  t.is(agent.runningVersion, '2.0.0');
  agent = agent.reset();
  t.is(agent.report.boot.action, 'revert');
  t.is(agent.runningVersion, '1.0.0');
  t.deepEqual([agent.state, agent.result], [UpdateState.Idle, UpdateResult.UpdateFailed]);
  t.true(primaryBytes(agent).subarray(0, v1.length).equals(v1));
  t.like(readTrailer(agent.flash, agent.layout, agent.layout.primary), {
    magic: 'good',
    imageOk: 'set',
    copyDone: 'set',
  });
});

test('an agent from before a reset refuses to act (its RAM is gone)', (t) => {
  const { agent } = device();
  agent.download(v2);
  agent.install();
  t.throws(() => agent.confirm(), { message: /before a reset/ });
});

test('overwrite-only: the update is permanent at once and the security counter rises', (t) => {
  let { agent } = device('overwrite-only');
  agent.download(v2);
  agent = agent.install();
  t.is(agent.runningVersion, '2.0.0');
  t.deepEqual([agent.state, agent.result], [UpdateState.Idle, UpdateResult.Success]);
  agent = agent.reset();
  t.is(agent.runningVersion, '2.0.0', 'no revert in overwrite-only');
  const back = agent.download(image('1.5.0', 1));
  t.like(back, { ok: false, result: UpdateResult.UpdateFailed });
});

const tampered = Buffer.from(v2);
tampered[tampered.length - 1]! ^= 1;
const resigned = buildDeviceImage(
  { deviceClass, version: '2.0.0', securityCounter: 2, payload: stubPayload('2.0.0', 600) },
  other.privateKey,
);
const bad: Array<[string, Uint8Array, UpdateResult]> = [
  ['tampered payload', tampered, UpdateResult.IntegrityCheckFailure],
  ['truncated', v2.subarray(0, v2.length - 10), UpdateResult.IntegrityCheckFailure],
  ['trailing bytes', Buffer.concat([v2, Buffer.from([0])]), UpdateResult.IntegrityCheckFailure],
  ['signed by another key', resigned, UpdateResult.IntegrityCheckFailure],
  [
    'unsigned',
    Buffer.concat([v2.subarray(0, 5), Buffer.from([0]), v2.subarray(6)]),
    UpdateResult.IntegrityCheckFailure,
  ],
  ['not an image', stubPayload('junk', 300), UpdateResult.UnsupportedPackageType],
  [
    'wrong device class',
    image('2.0.0', 2, 600, { deviceClass: 'other-module' }),
    UpdateResult.UnsupportedPackageType,
  ],
  ['older security counter', image('0.9.0', 0), UpdateResult.UpdateFailed],
  ['too large for the slot', image('3.0.0', 3, 4 * 256), UpdateResult.NotEnoughFlash],
];
for (const [name, bytes, result] of bad)
  test(`bad image refused (${name}) with result ${result}; primary byte-identical, old version runs`, (t) => {
    let { agent } = device();
    agent.download(v2);
    agent = agent.install();
    agent.confirm(); // counter now 2, running 2.0.0
    const before = primaryBytes(agent);
    const outcome = agent.download(bytes);
    t.like(outcome, { ok: false, result });
    t.deepEqual([agent.state, agent.result], [UpdateState.Idle, result]);
    t.throws(() => agent.install(), { message: /needs Downloaded/ });
    agent = agent.reset();
    t.is(agent.runningVersion, '2.0.0');
    t.deepEqual([agent.state, agent.result], [UpdateState.Idle, result], 'result reported after reboot');
    t.true(primaryBytes(agent).equals(before));
  });

function flipLastPayloadBit(flash: EmulatedFlash, agent: UpdateAgent): void {
  const sector = agent.layout.secondary.firstSector + Math.floor((v2.length - 1) / 256);
  const content = flash.read(sector * 256, 256);
  content[(v2.length - 1) % 256]! ^= 1;
  flash.eraseSector(sector);
  flash.write(sector * 256, content);
}

test('a downloaded image altered before install is refused at install and at boot (5)', (t) => {
  let { agent, flash } = device();
  agent.download(v2);
  flipLastPayloadBit(flash, agent);
  const before = primaryBytes(agent);
  t.is(agent.install(), agent, 'no reboot for a refused install');
  t.deepEqual([agent.state, agent.result], [UpdateState.Idle, UpdateResult.IntegrityCheckFailure]);
  agent = agent.reset();
  t.deepEqual([agent.state, agent.result, agent.runningVersion], [UpdateState.Idle, 5, '1.0.0']);
  t.true(primaryBytes(agent).equals(before));
});

test('the bootloader checks again: an image altered after install marked it is refused (5), request cancelled', (t) => {
  const { agent, flash } = device();
  agent.download(v2);
  const before = primaryBytes(agent);
  const magicAt = (agent.layout.secondary.trailerSector + 1) * 256 - 16;
  flash.setFaultPoint((op) => (op.kind === 'write' && op.offset === magicAt ? 'after' : 'proceed'));
  t.throws(() => agent.install(), { instanceOf: PowerCutError });
  flash.setFaultPoint(undefined);
  flash.powerCycle();
  flipLastPayloadBit(flash, agent);
  const next = UpdateAgent.boot(flash, options);
  t.like(next.report.boot, { action: 'none', rejected: { result: UpdateResult.IntegrityCheckFailure } });
  t.deepEqual([next.state, next.result, next.runningVersion], [UpdateState.Idle, 5, '1.0.0']);
  t.is(readTrailer(flash, next.layout, next.layout.secondary).magic, 'unset');
  t.true(primaryBytes(next).equals(before));
});

test('a flash write failure during download is reported as Update failed (8), primary untouched', (t) => {
  let { agent, flash } = device();
  const before = primaryBytes(agent);
  flash.addBadRegion({ offset: agent.layout.secondary.firstSector * 256 + 256, length: 8, failRate: 1 });
  t.like(agent.download(v2), { ok: false, result: UpdateResult.UpdateFailed });
  agent = agent.reset();
  t.deepEqual([agent.state, agent.result, agent.runningVersion], [UpdateState.Idle, 8, '1.0.0']);
  t.true(primaryBytes(agent).equals(before));
});
