import type { Clock } from '../clock/index.ts';
import { channelList, type ScpiClient } from '../power/index.ts';
import { SwitchBase, type SwitchInfo, SwitchReplyError } from './switch.ts';

export interface ScpiOutputSwitchOptions {
  clock: Clock;
  client: ScpiClient;
  spec: string;
  /**
   * The output channel. Multi-output supplies (Keysight N6705, Rohde & Schwarz NGM/NGP, Rigol DP800 in
   * SCPI-1999 form) take it as a channel list: `OUTP ON,(@1)`. Single-output supplies (Keithley 2280S,
   * Siglent SPD1000) take none: `OUTP ON`.
   */
  channel?: number;
  /** Close the client with the switch (default true). */
  ownsClient?: boolean;
}

/**
 * A supply's output as a PowerSwitch: `OUTP ON|OFF[,(@ch)]`, each command followed by a drain of the
 * error queue (ScpiClient.command), so a supply that refused shows as an error here.
 */
export class ScpiOutputSwitch extends SwitchBase {
  readonly info: SwitchInfo;
  readonly #client: ScpiClient;
  readonly #channel: number | undefined;
  readonly #owns: boolean;

  /** Identifies the instrument and reads the output's state. */
  static async open(options: ScpiOutputSwitchOptions): Promise<ScpiOutputSwitch> {
    const s = new ScpiOutputSwitch(options);
    try {
      await s.#identify();
    } catch (error) {
      if (s.#owns) await options.client.close();
      throw s.error('open', (error as Error).message, error);
    }
    return s;
  }

  private constructor(options: ScpiOutputSwitchOptions) {
    super(options.clock);
    this.#client = options.client;
    this.#channel = options.channel;
    this.#owns = options.ownsClient ?? true;
    this.info = {
      kind: 'scpi',
      spec: options.spec,
      ...(options.channel !== undefined && { channel: options.channel }),
    };
  }

  protected get port(): string {
    return this.#client.label;
  }

  protected apply(on: boolean): Promise<void> {
    return this.#client.command(`OUTP ${on ? 'ON' : 'OFF'}${this.#suffix(',')}`);
  }

  protected async release(): Promise<void> {
    if (this.#owns) await this.#client.close();
  }

  #suffix(separator: string): string {
    return this.#channel === undefined ? '' : `${separator}${channelList(this.#channel)}`;
  }

  async #identify(): Promise<void> {
    const id = await this.#client.identify();
    this.info.model = `${id.manufacturer} ${id.model}`;
    const query = `OUTP?${this.#suffix(' ')}`;
    const reply = (await this.#client.query(query)).trim();
    if (reply !== '0' && reply !== '1' && reply !== 'ON' && reply !== 'OFF')
      throw new SwitchReplyError(
        this.info.spec,
        this.port,
        'open',
        `${query} answered "${reply}", expected 0 or 1`,
      );
    this.current = reply === '1' || reply === 'ON' ? 'on' : 'off';
  }
}
