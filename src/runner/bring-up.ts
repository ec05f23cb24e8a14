/**
 * Bring-up per device, as a state machine: off → at-ready (contact, identified as the bench says) →
 * registered (attached) → power-saving-set (PSM/eDRX as the bench requests). A failure is sticky: the
 * device stays where it stopped, and every scenario that needs more skips it with the reason instead of
 * timing out on it again.
 */
import { Modem } from '../modem/index.ts';
import type { BuiltBenchInternals } from './bench-builder.ts';
import type { BringUpState, DeviceInfo } from './model.ts';
import type { BenchDevice } from './scenario.ts';

export const BRING_UP_ORDER: readonly BringUpState[] = ['off', 'at-ready', 'registered', 'power-saving-set'];

export interface BringUpEvents {
  state(device: BenchDevice, state: BringUpState, ok: boolean, error?: string): void;
  identified(info: DeviceInfo): void;
}

/** Take the device up to `target` (or as far as it goes); true when it got there. */
export async function bringUp(
  bench: BuiltBenchInternals,
  device: BenchDevice,
  target: BringUpState,
  events: BringUpEvents,
  signal?: AbortSignal,
): Promise<boolean> {
  const rank = (s: BringUpState) => BRING_UP_ORDER.indexOf(s);
  // A module that reached AT before may sleep (PSM) since: wake it before anyone talks to it.
  if (!device.bringUp.failed && device.modem && rank(device.bringUp.state) >= 1) {
    try {
      await device.modem.wake();
    } catch (e) {
      device.bringUp.failed = `wake: ${(e as Error).message}`;
      device.bringUp.error = e;
      events.state(device, device.bringUp.state, false, device.bringUp.failed);
      return false;
    }
  }
  while (rank(device.bringUp.state) < rank(target)) {
    if (device.bringUp.failed) return false;
    signal?.throwIfAborted();
    const next = BRING_UP_ORDER[rank(device.bringUp.state) + 1]!;
    try {
      await step(bench, device, next);
      device.bringUp.state = next;
      events.state(device, next, true);
      if (next === 'at-ready' && device.modem) {
        const id = device.modem.identity;
        events.identified({
          name: device.name,
          kind: device.spec.emulated ? 'emulated' : 'serial',
          profileId: device.profileId,
          model: id.model,
          firmware: id.revision,
          imei: id.imei,
          ...(device.spec.port ? { port: device.spec.port } : {}),
        });
      }
    } catch (e) {
      device.bringUp.failed = `${next}: ${(e as Error).message}`;
      device.bringUp.error = e;
      events.state(device, next, false, device.bringUp.failed);
      return false;
    }
  }
  return true;
}

async function step(bench: BuiltBenchInternals, device: BenchDevice, next: BringUpState): Promise<void> {
  const clock = bench.clock;
  switch (next) {
    case 'at-ready': {
      const engine = await bench.openTransport(device);
      device.engine = engine;
      device.modem = await Modem.open(engine, {
        clock,
        expect: { profileId: device.profileId },
        contactTimeoutMs: 60_000,
      });
      return;
    }
    case 'registered':
      await device.modem!.attach({ timeoutMs: 300_000 });
      return;
    case 'power-saving-set': {
      const m = device.modem!;
      const psm = device.spec.psm;
      if (psm) await m.setPsm({ periodicTauS: psm.periodicTau, activeTimeS: psm.activeTime });
      if (device.spec.edrx) {
        const rat = device.modem!.identity.profileId?.includes('bc66') ? 'nb-s1' : 'wb-s1';
        await m.setEdrx({ mode: rat, cycleS: device.spec.edrx.cycle });
      }
      return;
    }
    case 'off':
      return;
  }
}
