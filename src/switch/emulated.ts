import type { Clock } from '../clock/index.ts';
import { SwitchBase, type SwitchInfo } from './switch.ts';

/** What an emulated switch drives: the bench builder wires an emulated module's powerOn/cutPower here. */
export interface EmulatedPowerTarget {
  powerOn(): void;
  cutPower(): void;
}

export interface EmulatedSwitchOptions {
  clock: Clock;
  name: string;
  target: EmulatedPowerTarget;
  /** The DUT's supply at the start (default 'unknown'). */
  initial?: 'on' | 'off';
}

/**
 * A switch that calls back into the emulated bench. It knows nothing of emulators (the power layer
 * never does): the target is two callbacks. Switching is instant, at the clock's current instant.
 */
export class EmulatedSwitch extends SwitchBase {
  readonly info: SwitchInfo;
  readonly #target: EmulatedPowerTarget;
  readonly #name: string;

  constructor(options: EmulatedSwitchOptions) {
    super(options.clock);
    this.#target = options.target;
    this.#name = options.name;
    this.info = { kind: 'emulated', spec: `emulated:${options.name}` };
    if (options.initial) this.current = options.initial;
  }

  protected get port(): string {
    return '';
  }

  protected async apply(on: boolean): Promise<void> {
    if (on) this.#target.powerOn();
    else this.#target.cutPower();
  }

  protected async release(): Promise<void> {}

  get name(): string {
    return this.#name;
  }
}
