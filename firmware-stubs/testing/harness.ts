import { VirtualClock } from '../../src/clock/index.ts';
import {
  createEmulatedModule,
  type EmulatedModule,
  type EmulatedModuleOptions,
} from '../module/emulated-module.ts';
import { RawTerminal } from './raw-terminal.ts';

export interface BootedModule extends AsyncDisposable {
  readonly module: EmulatedModule;
  readonly clock: VirtualClock;
  readonly term: RawTerminal;
}

/**
 * A module on a VirtualClock with a RawTerminal on its UART, powered on and past its boot banner.
 * For tests and demos.
 */
export async function bootModule(
  options: Omit<EmulatedModuleOptions, 'clock'> & { clock?: VirtualClock },
): Promise<BootedModule> {
  const clock = options.clock ?? new VirtualClock();
  const module = createEmulatedModule({ ...options, clock });
  const term = new RawTerminal(module.host, clock);
  module.on('port', (host) => term.attach(host));
  module.powerOn();
  const banner = module.profile.identification.bootBanner;
  const last = banner[banner.length - 1];
  if (last) await term.waitFor(`${last}\r\n`);
  return { module, clock, term, [Symbol.asyncDispose]: () => module.close() };
}
