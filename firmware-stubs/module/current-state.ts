import type { CurrentState } from '../../src/hardware/index.ts';
import type { PowerState } from './core.ts';
import type { RadioState } from './radio.ts';

/** The facts that decide which current a module draws. */
export interface PowerFacts {
  power: PowerState;
  flashWriting: boolean;
  transmitting: boolean;
  attaching: boolean;
  radio: RadioState;
  receivingMulticast: boolean;
  edrxGranted: boolean;
}

/**
 * Which profile current applies, most demanding first: boot (also waking from PSM), flash write,
 * Tx burst, attach, RRC connected (or receiving multicast), PSM, eDRX sleep, idle. CFUN 0/4 with the
 * UART up counts as idle.
 */
export function currentStateOf(f: PowerFacts): CurrentState {
  if (f.power === 'off') return 'off';
  if (f.power === 'booting' || f.power === 'waking') return 'boot';
  if (f.flashWriting) return 'flashWrite';
  if (f.transmitting) return 'tx';
  if (f.attaching) return 'attach';
  if (f.radio === 'connected' || f.receivingMulticast) return 'connected';
  if (f.radio === 'psm' || f.power === 'asleep') return 'psm';
  if (f.radio === 'idle' && f.edrxGranted) return 'edrxSleep';
  return 'idle';
}
