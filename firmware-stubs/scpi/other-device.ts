/**
 * An instrument the rig does not drive: it answers *IDN? (as a bench supply of another make) and the
 * common commands, and queues -113 for everything else. For "wrong device on the address" tests.
 */
import type { InstrumentHost, Personality } from './instrument.ts';

export function otherDevice(
  identity = 'RIGOL TECHNOLOGIES,DP832,DP8C000000001,00.01.16',
): (host: InstrumentHost) => Personality {
  return () => ({
    identity,
    signedErrorCodes: false,
    commands: [],
    reset: () => {},
    idle: () => Promise.resolve(),
    busTrigger: () => {},
  });
}
