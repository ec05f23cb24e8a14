import type { Clock, Milliseconds } from '../../src/clock/index.ts';

export type FirmwareInstallResult =
  | { ok: true; revision: string }
  | { ok: false; reason: 'bad-package' | 'aborted'; detail: string };

/**
 * The module's firmware store as FOTA commands see it. A dialect's FOTA command hands it a package
 * and reports progress as URCs; the core reboots when install() succeeds. The revision survives
 * reboots and power cuts.
 *
 * PLACEHOLDER: PlaceholderFirmwareUpdater below only reads a version line. A later issue replaces it
 * with an A/B update agent on emulated flash (power-fail hook on every write, test/confirm/revert);
 * dialect code does not change when that happens.
 */
export interface FirmwareUpdater {
  /** The running firmware revision (+CGMR, ATI). */
  readonly revision: string;
  /**
   * Install pkg. progress(pct) is called as the install advances (1..100); the promise settles when
   * the new image is in place (the caller then reboots) or the install failed. Aborting the signal
   * (power cut) leaves the running revision in place.
   */
  install(
    pkg: Uint8Array,
    progress: (percent: number) => void,
    signal: AbortSignal,
  ): Promise<FirmwareInstallResult>;
}

/**
 * PLACEHOLDER updater, clearly not a real one: the package's first line must be `version=<rev>`;
 * installing takes package size / flashWriteBytesPerS on the clock in ten steps, and the new revision
 * only takes effect when every step is done (a power cut before that keeps the old one).
 */
export class PlaceholderFirmwareUpdater implements FirmwareUpdater {
  #revision: string;
  readonly #clock: Clock;
  readonly #writeMs: (bytes: number) => Milliseconds;

  constructor(opts: { revision: string; clock: Clock; writeMs: (bytes: number) => Milliseconds }) {
    this.#revision = opts.revision;
    this.#clock = opts.clock;
    this.#writeMs = opts.writeMs;
  }

  get revision(): string {
    return this.#revision;
  }

  async install(
    pkg: Uint8Array,
    progress: (percent: number) => void,
    signal: AbortSignal,
  ): Promise<FirmwareInstallResult> {
    const revision = readVersionLine(pkg);
    if (!revision) {
      return { ok: false, reason: 'bad-package', detail: 'first line is not "version=<revision>"' };
    }
    const steps = 10;
    const stepMs = Math.max(1, Math.round(this.#writeMs(pkg.length) / steps));
    try {
      for (let i = 1; i <= steps; i++) {
        await this.#clock.sleep(stepMs, signal);
        progress(i * (100 / steps));
      }
    } catch {
      return { ok: false, reason: 'aborted', detail: 'install interrupted' };
    }
    this.#revision = revision;
    return { ok: true, revision };
  }
}

/** `version=<rev>` on the first line, or undefined. */
export function readVersionLine(pkg: Uint8Array): string | undefined {
  const head = Buffer.from(pkg.subarray(0, 256)).toString('latin1');
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  const m = /^version=([\x21-\x7e]{1,64})$/.exec(first.trim());
  return m?.[1];
}
