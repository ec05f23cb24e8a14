import type { DialectId, ModuleProfile } from '../../src/hardware/index.ts';
import type { Dialect } from '../module/dialect.ts';
import { nordic } from './nordic.ts';
import { quectel } from './quectel.ts';
import { simcom } from './simcom.ts';
import { ublox } from './ublox.ts';

/**
 * profile.dialect → dialect module. A plain map, no import side effects: to add a vendor, write
 * dialects/<vendor>.ts exporting a Dialect and add one line here (see firmware-stubs/README.md).
 */
export const DIALECTS: Readonly<Partial<Record<DialectId, Dialect>>> = {
  quectel,
  ublox,
  nordic,
  simcom,
};

export function dialectFor(profile: ModuleProfile): Dialect {
  const dialect = DIALECTS[profile.dialect];
  if (!dialect) {
    const known = Object.keys(DIALECTS).join(', ');
    throw new Error(
      `emulated module ${profile.id}: no emulator dialect "${profile.dialect}" (emulated: ${known})`,
    );
  }
  return dialect;
}
