import type { Clock } from '../clock/index.ts';
import type { Meter } from '../power/index.ts';
import { SwitchBase, type SwitchInfo } from './switch.ts';

/** The part of a meter this switch needs: a PPK2 (or any meter with dutPower) that is open. */
export type DutPowerMeter = Pick<Meter, 'setDutPower' | 'close' | 'info' | 'capabilities'>;

export interface Ppk2SwitchOptions {
  clock: Clock;
  meter: DutPowerMeter;
  /** The switch's spec (default `ppk2:<meter spec>`). */
  spec?: string;
  /** Close the meter with the switch (default false: the bench may still be measuring with it). */
  ownsMeter?: boolean;
}

/**
 * The PPK2's DUT power output (DeviceRunningSet) as a PowerSwitch. Cutting it also stops the supply
 * the trace measures, so a run that both measures and cuts through one PPK2 sees zero current while
 * off — which is what happened, not a gap.
 */
export class Ppk2Switch extends SwitchBase {
  readonly info: SwitchInfo;
  readonly #meter: DutPowerMeter;
  readonly #owns: boolean;

  constructor(options: Ppk2SwitchOptions) {
    super(options.clock);
    this.#meter = options.meter;
    this.#owns = options.ownsMeter ?? false;
    const spec = options.spec ?? `ppk2:${options.meter.info.spec.replace(/^ppk2:/, '')}`;
    this.info = {
      kind: 'ppk2',
      spec,
      ...(options.meter.info.model !== undefined && { model: options.meter.info.model }),
    };
    if (!options.meter.capabilities.dutPower)
      throw this.error('open', `meter ${options.meter.info.spec} cannot switch its DUT power`);
  }

  protected get port(): string {
    return this.#meter.info.spec;
  }

  protected apply(on: boolean): Promise<void> {
    return this.#meter.setDutPower(on);
  }

  protected async release(): Promise<void> {
    if (this.#owns) await this.#meter.close();
  }
}
