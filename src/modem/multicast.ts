import { splitParams, type Urc, type UrcSpec } from '../at/index.ts';
import type { MbmsFileEvent, MbmsServiceEvent, MbmsState } from './types.ts';

/**
 * The multicast reception command set of the emulated modules. NON-STANDARD: no shipping module
 * exposes SC-PTM over AT and TS 27.007 has only the Rel-13 eMBMS commands (+CEMBMS…); this set is
 * shaped after those and keyed by TMGI. hardware/multicast-at.md documents it.
 */
export const MBMS_URCS: readonly UrcSpec[] = [
  { name: '#XMBMSR', match: { prefix: '#XMBMSR:' } },
  { name: '#XMBMSFILE', match: { prefix: '#XMBMSFILE:' } },
];

const STATES: readonly MbmsState[] = ['deactivated', 'activated', 'receiving', 'ended'];
const FILE_STATUS: readonly MbmsFileEvent['status'][] = ['complete', 'incomplete', 'digest-mismatch'];

/** A TMGI: MBMS Service ID (3 bytes) + PLMN id (3 bytes), as 12 hex digits. */
export function checkTmgi(tmgi: string): string {
  if (!/^[0-9A-Fa-f]{12}$/.test(tmgi))
    throw new RangeError(`TMGI must be 12 hex digits (service id + PLMN), got ${JSON.stringify(tmgi)}`);
  return tmgi.toUpperCase();
}

export function formatMbmsService(op: 'join' | 'leave', tmgi: string): string {
  return `AT#XMBMSSRV=${op === 'join' ? 1 : 0},"${checkTmgi(tmgi)}"`;
}

/** `#XMBMSR: "<TMGI>",<state>[,<cause>]` or a `#XMBMSSRV: "<TMGI>",<state>` line. */
export function parseMbmsService(line: string): MbmsServiceEvent {
  const params = splitParams(line.slice(line.indexOf(':') + 1), { command: '#XMBMSSRV', line });
  const [tmgi, state, cause] = params;
  if (tmgi?.kind !== 'string' || state?.kind !== 'number' || STATES[state.value] === undefined) {
    throw new RangeError(`#XMBMS: expected "<TMGI>",<state 0..3>[,<cause>], got ${JSON.stringify(line)}`);
  }
  return {
    tmgi: checkTmgi(tmgi.value),
    state: STATES[state.value]!,
    ...(cause?.kind === 'number' ? { cause: cause.value } : {}),
  };
}

/** `#XMBMSFILE: "<TMGI>","<content-location>",<size>,<status>` */
export function parseMbmsFile(urc: Urc): MbmsFileEvent {
  const line = urc.line;
  const [tmgi, location, size, status] = splitParams(line.slice(line.indexOf(':') + 1), {
    command: '#XMBMSFILE',
    line,
  });
  if (
    tmgi?.kind !== 'string' ||
    location?.kind !== 'string' ||
    size?.kind !== 'number' ||
    status?.kind !== 'number' ||
    !FILE_STATUS[status.value]
  ) {
    throw new RangeError(
      `#XMBMSFILE: expected "<TMGI>","<location>",<size>,<status 0..2>, got ${JSON.stringify(line)}`,
    );
  }
  return {
    tmgi: checkTmgi(tmgi.value),
    contentLocation: location.value,
    size: size.value,
    status: FILE_STATUS[status.value]!,
  };
}
