import type { DialectId } from '../../hardware/index.ts';
import type { Dialect } from '../dialect.ts';
import type { RawIdentity } from '../types.ts';
import { generic } from './generic.ts';
import { nordic } from './nordic.ts';
import { quectel } from './quectel.ts';
import { simcom } from './simcom.ts';
import { ublox } from './ublox.ts';

/** The explicit registry of controller dialects: a plain map, no import side effects. */
export const DIALECTS: Record<DialectId, Dialect> = {
  generic,
  quectel,
  ublox,
  nordic,
  simcom,
};

/** The dialect that recognises this identification; generic 27.007 when none does. */
export function selectDialect(id: RawIdentity): Dialect {
  for (const d of Object.values(DIALECTS)) {
    if (d.id !== 'generic' && d.recognises(id)) return d;
  }
  return generic;
}
