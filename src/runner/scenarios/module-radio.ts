/**
 * What the module says about its radio, as the power scenarios wait for it: PSM entry and RRC release
 * (armed before the action that causes them, so an early URC is not missed), the RRC state read back, and
 * whether the module offers eDRX on the RAT it is registered on.
 */
import {
  ACT_E_UTRAN_NB_S1,
  AtDeviceError,
  EDRX_ACT_NB_S1,
  EDRX_ACT_WB_S1,
  type EdrxMode,
  parseCsconRead,
} from '../../at/index.ts';
import type { Clock, EpochMs } from '../../clock/index.ts';
import type { Modem, PowerSaveEvent } from '../../modem/index.ts';

/** A wait armed before the action it waits for: resolves with the instant, or undefined on timeout. */
export interface Armed {
  readonly at: Promise<EpochMs | undefined>;
  cancel(): void;
}

export function armed(
  clock: Clock,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  subscribe: (fire: () => void) => () => void,
): Armed {
  let finish: (value: EpochMs | undefined, error?: unknown) => void = () => {};
  const at = new Promise<EpochMs | undefined>((resolve, reject) => {
    let done = false;
    const onAbort = () => finish(undefined, signal?.reason);
    finish = (value, error) => {
      if (done) return;
      done = true;
      off();
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const off = subscribe(() => finish(clock.now()));
    const timer = clock.setTimer(timeoutMs, () => finish(undefined));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
  at.catch(() => {});
  return { at, cancel: () => finish(undefined) };
}

/** The next time the module reports that it is in PSM (Quectel PSM POWER DOWN, +UUPSMR: 1, …). */
export function armPsmEntry(modem: Modem, clock: Clock, timeoutMs: number, signal?: AbortSignal): Armed {
  return armed(clock, timeoutMs, signal, (fire) => {
    const onEvent = (e: PowerSaveEvent) => {
      if (e.state === 'psm') fire();
    };
    modem.on('power-save', onEvent);
    return () => modem.off('power-save', onEvent);
  });
}

/** The next RRC release (+CSCON: 0). */
export function armRrcRelease(modem: Modem, clock: Clock, timeoutMs: number, signal?: AbortSignal): Armed {
  return armed(clock, timeoutMs, signal, (fire) => {
    const onRrc = (e: { connected: boolean }) => {
      if (!e.connected) fire();
    };
    modem.on('rrc', onRrc);
    return () => modem.off('rrc', onRrc);
  });
}

/** Connected (true), idle (false) as AT+CSCON? reads it; undefined when the module does not answer it in form. */
export async function rrcConnected(modem: Modem): Promise<boolean | undefined> {
  try {
    const r = await modem.engine.send('AT+CSCON?');
    const line = r.lines.find((l) => l.startsWith('+CSCON:'));
    return line === undefined ? undefined : parseCsconRead(line).connected;
  } catch (e) {
    if (e instanceof AtDeviceError || (e as Error).name === 'AtParseError') return undefined;
    throw e;
  }
}

/** The instant the module is RRC idle: now when AT+CSCON? says so, else at the next release (or undefined). */
export async function rrcIdle(
  modem: Modem,
  clock: Clock,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<EpochMs | undefined> {
  const release = armRrcRelease(modem, clock, timeoutMs, signal);
  if ((await rrcConnected(modem)) === false) {
    release.cancel();
    return clock.now();
  }
  return release.at;
}

/** PSM entry and the first RRC release after an action that connects, armed before the action. */
export interface BackToPsm {
  /** The first RRC release (undefined when the module reports none before it sleeps). */
  readonly releasedAt: Promise<EpochMs | undefined>;
  /** PSM entry: the module's URC, or the end of boundMs when it prints none. */
  settled(): Promise<{ enteredAt: EpochMs; via: 'urc' | 'timing' }>;
  cancel(): void;
}

export function armBackToPsm(modem: Modem, clock: Clock, boundMs: number, signal?: AbortSignal): BackToPsm {
  const entry = armPsmEntry(modem, clock, boundMs, signal);
  const release = armRrcRelease(modem, clock, boundMs, signal);
  return {
    releasedAt: release.at,
    async settled() {
      const at = await entry.at;
      release.cancel();
      return at === undefined ? { enteredAt: clock.now(), via: 'timing' } : { enteredAt: at, via: 'urc' };
    },
    cancel() {
      entry.cancel();
      release.cancel();
    },
  };
}

/** The eDRX table of the RAT the module is registered on (Quectel and SARA-R410 report LTE-M as AcT 8). */
export async function edrxModeOf(modem: Modem): Promise<{ actType: number; mode: EdrxMode }> {
  const reg = await modem.registration();
  return reg.act === ACT_E_UTRAN_NB_S1
    ? { actType: EDRX_ACT_NB_S1, mode: 'nb-s1' }
    : { actType: EDRX_ACT_WB_S1, mode: 'wb-s1' };
}

/**
 * Whether the module offers eDRX on the RAT it is registered on, from AT+CEDRXS=?; `unsupported` says
 * why not. An answer the rig cannot read counts as supported: the request itself will tell.
 */
export async function edrxSupport(
  modem: Modem,
): Promise<{ actType: number; mode: EdrxMode; unsupported?: string }> {
  const { actType, mode } = await edrxModeOf(modem);
  const offered = await edrxActTypes(modem);
  if (offered === 'error')
    return { actType, mode, unsupported: 'AT+CEDRXS=? answers ERROR: the module has no eDRX' };
  if (offered && !offered.includes(actType))
    return {
      actType,
      mode,
      unsupported: `the module offers eDRX for AcT-type ${offered.join(', ')}, not ${actType} (${mode}) it is registered on`,
    };
  return { actType, mode };
}

/** AcT-types AT+CEDRXS=? lists (`+CEDRXS: (0-3),(4,5),…`); undefined when the answer cannot be read. */
async function edrxActTypes(modem: Modem): Promise<number[] | 'error' | undefined> {
  try {
    const r = await modem.engine.send('AT+CEDRXS=?');
    const line = r.lines.find((l) => l.startsWith('+CEDRXS:'));
    const group = line && /^\+CEDRXS:\s*\([^)]*\)\s*,\s*\(([^)]*)\)/.exec(line)?.[1];
    if (!group) return undefined;
    return group.split(',').flatMap((part) => {
      const [a, b] = part.split('-').map((x) => Number(x.trim()));
      if (a === undefined || Number.isNaN(a)) return [];
      if (b === undefined || Number.isNaN(b)) return [a];
      return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
    });
  } catch (e) {
    if (e instanceof AtDeviceError) return 'error';
    throw e;
  }
}
