/**
 * Builds a checked bench into resources through one explicit registry of kinds (a plain map from kind to
 * factory, no import side effects): modules (emulated or on a serial port), meters, switches, the eNB and
 * the MQTT broker, on one clock. The only place besides emulated-fleet.ts that wires emulators in.
 */
import type { Duplex } from 'node:stream';
import { createEmulatedPpk2, type EmulatedModule, EmulatedRelayBoard } from '../../firmware-stubs/index.ts';
import type { MbmsClient } from '../../firmware-stubs/mbms-client/index.ts';
import { AtEngine } from '../at/index.ts';
import { type Clock, RealClock, VirtualClock } from '../clock/index.ts';
import { type EnbBackend, SimEnb, srsran } from '../enb/index.ts';
import { loadModuleProfile } from '../hardware/index.ts';
import { startEmbeddedBroker } from '../mqtt/index.ts';
import { type Meter, openMeter, Ppk2Meter } from '../power/index.ts';
import { duplexPair, openSerial } from '../serial/index.ts';
import { LcusRelay, openSwitch, type PowerSwitch } from '../switch/index.ts';
import type { BenchSpec, ModuleSpec } from './bench-spec.ts';
import { createAirModule } from './emulated-fleet.ts';
import { HostReceiver } from './host-receiver.ts';
import type { BenchDevice, BuiltBench } from './scenario.ts';
import { withUdpAir } from './udp-air.ts';

/** What a module resource adds to a device: its transport (opened at bring-up) and, emulated, its twin. */
interface ModuleResource {
  device: BenchDevice;
  openTransport(): Promise<{ engine: AtEngine; close(): Promise<void> }>;
  emulated?: EmulatedModule;
  /** The emulated module's MBMS client (its air side). */
  client?: MbmsClient;
  close(): Promise<void>;
}

interface BuildContext {
  spec: BenchSpec;
  clock: Clock;
  seed: number;
  enb: EnbBackend;
  broker: { host: string; port: number };
  modules: Map<string, ModuleResource>;
}

type ModuleFactory = (m: ModuleSpec, index: number, ctx: BuildContext) => ModuleResource;

/** The registry: how each kind of module resource is built. */
export const MODULE_KINDS: Readonly<Record<'emulated' | 'serial', ModuleFactory>> = {
  emulated: (m, index, ctx) => {
    const { module, client, profile, energy } = createAirModule({
      name: m.name,
      profileId: m.profile,
      index,
      clock: ctx.clock,
      seed: ctx.seed,
      broker: ctx.broker,
      enb: ctx.enb,
      ...(m.coverage !== undefined ? { coverage: m.coverage } : {}),
      ...(m.loss ? { loss: m.loss } : {}),
      ...(m.faults ? { faults: m.faults } : {}),
    });
    module.powerOn();
    const { voltageMv } = energy;
    const device: BenchDevice = {
      name: m.name,
      spec: m,
      profileId: m.profile,
      bringUp: { state: 'off' },
      ...(m.energy === 'meter' ? {} : { energy }),
      timeline: (from, to) => ({
        start: from,
        end: to,
        voltageMv,
        segments: module.timeline.segments
          .filter((s, i, all) => (all[i + 1]?.t ?? Number.POSITIVE_INFINITY) > from && s.t < to)
          .map((s): [number, number] => [Math.max(s.t, from), s.uA]),
      }),
    };
    return {
      device,
      emulated: module,
      client,
      openTransport: async () => {
        const engine = new AtEngine(module.host, {
          name: `emulated:${m.name}`,
          clock: ctx.clock,
          guardMs: profile.serial.guardMs,
        });
        return { engine, close: async () => engine.close() };
      },
      close: async () => {
        await client.settled();
        await module.close();
      },
    };
  },
  serial: (m, _index, ctx) => {
    const profile = loadModuleProfile(m.profile);
    const device: BenchDevice = { name: m.name, spec: m, profileId: m.profile, bringUp: { state: 'off' } };
    return {
      device,
      openTransport: async () => {
        const link = await openSerial(m.port!, {
          baudRate: m.baud ?? profile.serial.baud,
          clock: ctx.clock,
          name: m.name,
        });
        const engine = new AtEngine(link, {
          name: m.name,
          clock: ctx.clock,
          guardMs: profile.serial.guardMs,
        });
        return {
          engine,
          close: async () => {
            engine.close();
            await link.close();
          },
        };
      },
      close: async () => {},
    };
  },
};

export interface BuiltBenchInternals extends BuiltBench {
  /** Open the device's AT transport (bring-up: off → at-ready uses it). */
  openTransport(device: BenchDevice): Promise<AtEngine>;
}

export async function buildBench(spec: BenchSpec, file: string, seed: number): Promise<BuiltBenchInternals> {
  const clock: Clock =
    spec.clock === 'virtual' ? new VirtualClock({ start: Date.UTC(2026, 10, 26, 0, 0, 0) }) : new RealClock();
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    let broker: { host: string; port: number };
    if (spec.broker) {
      const u = new URL(spec.broker.url);
      broker = { host: u.hostname, port: Number(u.port || 1883) };
    } else {
      const embedded = await startEmbeddedBroker();
      closers.push(() => embedded.close());
      broker = embedded;
    }
    const enb: EnbBackend =
      spec.enb.kind === 'sim'
        ? new SimEnb({
            clock,
            seed,
            rat: spec.enb.rat,
            ...(spec.enb.scMtchBler !== undefined ? { scMtchBler: spec.enb.scMtchBler } : {}),
          })
        : new srsran.SrsranEnb(spec.enb.config as unknown as srsran.SrsranConfigInput, { clock });
    closers.push(() => enb.stop());
    const ctx: BuildContext = { spec, clock, seed, enb, broker, modules: new Map() };
    for (const [i, m] of spec.modules.entries()) {
      const r = MODULE_KINDS[m.emulated ? 'emulated' : 'serial'](m, i, ctx);
      ctx.modules.set(m.name, r);
      closers.push(() => r.close());
    }
    const meters = new Map<string, Promise<Meter>>();
    const switches = new Map<string, Promise<PowerSwitch>>();
    for (const r of ctx.modules.values()) {
      const m = r.device.spec;
      if (m.meter) {
        const meterSpec = spec.meters.find((x) => x.name === m.meter)!;
        r.device.meter = () => {
          let p = meters.get(meterSpec.name);
          if (!p) {
            p = openBenchMeter(meterSpec, ctx);
            meters.set(meterSpec.name, p);
            closers.push(async () => (await p!)[Symbol.asyncDispose]());
          }
          return p;
        };
      }
      if (m.switch) {
        const [switchName, channel] = m.switch.split('#');
        const sw = spec.switches.find((x) => x.name === switchName)!;
        const key = m.switch;
        r.device.switch = () => {
          let p = switches.get(key);
          if (!p) {
            const base = sw.spec.replace(/#.*$/, '');
            // `emulated` alone: the switch cuts the module it is wired to.
            const resolved =
              base === 'emulated' ? `emulated:${r.device.name}` : channel ? `${base}#${channel}` : sw.spec;
            p = openBenchSwitch(resolved, sw.name, ctx);
            switches.set(key, p);
          }
          return p;
        };
      }
    }
    const devices = [...ctx.modules.values()].map((r) => r.device);
    // On srsRAN the emulated modules' MBMS clients read the session where srsUE hands it out.
    const srsranBench = spec.enb.kind === 'srsran';
    const hostReceived = (m: ModuleSpec) =>
      srsranBench && (m.reception === 'host' || (!m.emulated && m.reception !== 'module'));
    const clients = [...ctx.modules.values()].flatMap((r) =>
      r.client && !hostReceived(r.device.spec) ? [r.client] : [],
    );
    const host = spec.modules.some(hostReceived) ? new HostReceiver(clock, seed) : undefined;
    const airDevices = [...clients, ...(host ? [host] : [])];
    const air =
      srsranBench && airDevices.length > 0 && spec.enb.kind === 'srsran'
        ? withUdpAir(enb, airDevices, spec.enb.ueAddress)
        : enb;
    return {
      spec,
      file,
      clock,
      seed,
      emulated: spec.clock === 'virtual',
      enb: air,
      ...(host ? { hostReception: host } : {}),
      broker,
      devices,
      openTransport: async (device) => {
        const r = ctx.modules.get(device.name)!;
        const t = await r.openTransport();
        closers.push(t.close);
        return t.engine;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Meters by spec; `emulated-ppk2:<module>` is the PPK2 twin measuring an emulated module in virtual time. */
async function openBenchMeter(m: BenchSpec['meters'][number], ctx: BuildContext): Promise<Meter> {
  const { spec, name } = m;
  const [kind, where = ''] = spec.split(/:(.*)/s, 2) as [string, string?];
  const target = (w: string) => {
    const r = ctx.modules.get(w);
    if (!r?.emulated)
      throw new Error(`meter ${name} (${spec}): no emulated module named "${w}" on this bench`);
    return r.emulated;
  };
  let meter: Meter;
  if (kind === 'emulated-ppk2') {
    const module = target(where);
    const ppk2 = createEmulatedPpk2({
      clock: ctx.clock,
      seed: ctx.seed,
      current: (t) => module.timeline.at(t).uA,
      noiseCounts: 0,
    });
    meter = new Ppk2Meter({ transport: ppk2.host, clock: ctx.clock, name });
  } else {
    meter = await openMeter(spec, {
      clock: ctx.clock,
      name,
      seed: ctx.seed,
      ...(m.rateHz ? { simRateHz: m.rateHz } : {}),
      simSource: (w) => {
        const module = target(w);
        return { at: (t) => module.timeline.at(t).uA };
      },
    });
  }
  await meter.open();
  // A PPK2 powering the module (source mode) sets its voltage and switches the DUT supply on.
  if (meter.capabilities.source) {
    await meter.setMode(m.mode);
    await meter.setVoltage(m.voltageMv);
  }
  if (meter.capabilities.dutPower && m.mode === 'source') await meter.setDutPower(true);
  return meter;
}

const relayBoards = new WeakMap<BuildContext, Map<string, { board: EmulatedRelayBoard; host: Duplex }>>();

/**
 * Switches by spec. `emulated-lcus#<ch>` is the LCUS relay board twin (the real LCUS driver talks to it
 * over an in-process cable); its channel n cuts the emulated module wired to `<switch>#n`.
 */
async function openBenchSwitch(spec: string, name: string, ctx: BuildContext): Promise<PowerSwitch> {
  const lcus = /^emulated-lcus#(\d+)$/.exec(spec);
  if (!lcus) return openSwitch(spec, { clock: ctx.clock, emulated: (w) => ctx.modules.get(w)?.emulated });
  let boards = relayBoards.get(ctx);
  if (!boards) {
    boards = new Map();
    relayBoards.set(ctx, boards);
  }
  let entry = boards.get(name);
  if (!entry) {
    const board = new EmulatedRelayBoard({ protocol: 'lcus', channels: 8, clock: ctx.clock });
    const [host, device] = duplexPair();
    board.attach(device);
    board.on('change', (c) => {
      const wired = [...ctx.modules.values()].find((r) => r.device.spec.switch === `${name}#${c.channel}`);
      if (!wired?.emulated) return;
      // Wired through the normally-closed contact: energising the coil cuts the supply.
      if (c.energised) wired.emulated.cutPower();
      else wired.emulated.powerOn();
    });
    entry = { board, host };
    boards.set(name, entry);
  }
  const channel = Number(lcus[1]);
  // Normally-closed wiring: an idle (de-energised) relay keeps the module powered.
  const sw = await LcusRelay.open({
    spec: `relay-lcus:emulated#${channel}`,
    port: `emulated ${name}`,
    channel,
    contact: 'nc',
    transport: entry.host,
    clock: ctx.clock,
  });
  return sw;
}
