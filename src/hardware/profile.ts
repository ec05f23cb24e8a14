import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';

/** How sure we are of a figure: V checked in the source, D vendor/third-party document, M unverified estimate. */
export const Confidence = z.enum(['V', 'D', 'M']);

const Figure = z.strictObject({
  /** Average current in the state, in µA. */
  uA: z.number().nonnegative(),
  /** Where the figure comes from (datasheet, table/figure, or "engineering estimate"). */
  source: z.string().min(1),
  confidence: Confidence,
});

const UsbId = z.strictObject({
  vid: z.string().regex(/^[0-9a-f]{4}$/),
  pid: z.string().regex(/^[0-9a-f]{4}$/),
  /** USB interface number of the AT port, when the module exposes several. */
  interface: z.number().int().nonnegative().optional(),
  note: z.string().optional(),
  confidence: Confidence,
});

export const DialectId = z.enum(['generic', 'quectel', 'ublox', 'nordic', 'simcom']);
export type DialectId = z.infer<typeof DialectId>;

/** Current per module state; the emulator draws these and the power layer checks against them. */
export const CurrentStates = z.strictObject({
  off: Figure,
  psm: Figure,
  edrxSleep: Figure,
  idle: Figure,
  connected: Figure,
  tx: Figure,
  boot: Figure,
  attach: Figure,
  flashWrite: Figure,
});
export type CurrentState = keyof z.infer<typeof CurrentStates>;

export const ModuleProfile = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  vendor: z.string(),
  model: z.string(),
  dialect: DialectId,
  rats: z.array(z.enum(['lte-m', 'nb-iot'])).min(1),
  identification: z.strictObject({
    /** AT+CGMI */
    manufacturer: z.string(),
    /** AT+CGMM */
    model: z.string(),
    /** AT+CGMR */
    revision: z.string(),
    /** The lines ATI prints before OK (empty where ATI answers ERROR, as on the nRF91 Serial LTE Modem). */
    ati: z.array(z.string()),
    /** Lines printed after a reset, in order (URCs and banners). */
    bootBanner: z.array(z.string()),
    /** IMEI type allocation code used by the emulator to make IMEIs (8 digits). */
    tac: z.string().regex(/^\d{8}$/),
  }),
  serial: z.strictObject({
    baud: z.number().int().positive(),
    echoDefault: z.boolean(),
    /** Minimum gap between a final result and the next command, in ms. */
    guardMs: z.number().nonnegative(),
    usb: z.array(UsbId),
  }),
  supply: z.strictObject({
    nominalV: z.number().positive(),
    minV: z.number().positive(),
    maxV: z.number().positive(),
    source: z.string(),
    confidence: Confidence,
  }),
  current: CurrentStates,
  /** Durations the emulator models, in ms (engineering estimates unless a source says otherwise). */
  timing: z.strictObject({
    bootMs: z.number().nonnegative(),
    attachMs: z.number().nonnegative(),
    rrcInactivityMs: z.number().nonnegative(),
    flashWriteBytesPerS: z.number().positive(),
  }),
  notes: z.string().optional(),
});
export type ModuleProfile = z.infer<typeof ModuleProfile>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** hardware/modules/ in this checkout. */
export const MODULES_DIR = join(HERE, '..', '..', 'hardware', 'modules');

/** Parse one profile; errors name the file, the key path and the line. */
export function parseModuleProfile(text: string, file: string): ModuleProfile {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ProfileError(`${file}:${e.linePos?.[0]?.line ?? '?'}: YAML error: ${e.message}`);
  }
  const result = ModuleProfile.safeParse(doc.toJS());
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const line = lineOf(doc, text, issue.path);
  throw new ProfileError(`${file}:${line ?? '?'}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  text: string,
  path: PropertyKey[],
): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as
      | { range?: [number, number] }
      | undefined;
    if (node && typeof node === 'object' && node.range)
      return text.slice(0, node.range[0]).split('\n').length;
  }
  return undefined;
}

/** Parsed profiles by file and its text: a fleet of a thousand modules parses each file once. */
const parsed = new Map<string, { text: string; profile: ModuleProfile }>();

/** Load hardware/modules/<id>.yaml (a fresh copy each time: callers may adjust theirs). */
export function loadModuleProfile(id: string, dir = MODULES_DIR): ModuleProfile {
  const file = join(dir, `${id}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ProfileError(
      `no module profile "${id}" (looked for ${file}); known: ${listModuleProfiles(dir).join(', ')}`,
    );
  }
  const cached = parsed.get(file);
  if (cached?.text === text) return structuredClone(cached.profile);
  const profile = parseModuleProfile(text, file);
  if (profile.id !== id) throw new ProfileError(`${file}: id is "${profile.id}", expected "${id}"`);
  parsed.set(file, { text, profile });
  return structuredClone(profile);
}

export function listModuleProfiles(dir = MODULES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}
