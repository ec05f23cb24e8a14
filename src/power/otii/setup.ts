/**
 * What OtiiMeter does with the server before it can measure, one step per function: sign in and
 * hold a license, find the Arc/Ace, read its main-current rate, find the project to record into;
 * and give the license back afterwards. Command names and data keys follow the vendor's Python
 * client (otii.py, otii_client.py, arc.py; reference power.md §2).
 */
import type { Milliseconds } from '../../clock/index.ts';
import type { OtiiConnection } from './connection.ts';
import { OtiiCommandError, OtiiReplyError } from './errors.ts';

/** Current the Arc records on its main channel (qoitech blog "Otii and short pulses", reference §2). */
export const ARC_CURRENT_RATE_HZ = 4000;
/** License types that carry the Automation toolbox (otii_client.py LICENSE_MAP). */
const AUTOMATION_LICENSES = new Set(['Admin', 'All', 'Automation', 'Enterprise']);
export const MAIN_CURRENT = 'mc';

export interface OtiiDevice {
  device_id: string;
  name: string;
  type: string;
}

/** What signIn() took, so that signOut() gives back exactly that. */
export interface OtiiSession {
  loggedInByUs: boolean;
  reservedLicense: number | undefined;
}

export interface SignInOptions {
  credentials?: { username: string; password: string };
  licenseId?: number;
}

/** Logs in if nobody is, and makes sure an Automation license is reserved. */
export async function signIn(connection: OtiiConnection, options: SignInOptions): Promise<OtiiSession> {
  const session: OtiiSession = { loggedInByUs: false, reservedLicense: undefined };
  let loggedIn: boolean;
  try {
    loggedIn = (await connection.request('otii_is_logged_in')).logged_in === true;
  } catch (error) {
    // Servers without user licensing (Otii 2) do not know the command: nothing to log in to.
    if (error instanceof OtiiCommandError && error.errorcode === 'Invalid command') return session;
    throw error;
  }
  if (!loggedIn) {
    if (!options.credentials) {
      throw new Error('the Otii server has no user logged in; give credentials (username, password)');
    }
    const { username, password } = options.credentials;
    await connection.request('otii_login', { username, password });
    session.loggedInByUs = true;
  }
  try {
    session.reservedLicense = await reserveLicense(connection, options.licenseId);
  } catch (error) {
    await signOut(connection, session);
    throw error;
  }
  return session;
}

/** Best effort: return the license signIn() reserved and log out if it logged in. */
export async function signOut(connection: OtiiConnection, session: OtiiSession): Promise<void> {
  if (connection.closed) return;
  if (session.reservedLicense !== undefined) {
    await connection.request('otii_return_license', { license_id: session.reservedLicense }).catch(() => {});
  }
  if (session.loggedInByUs) await connection.request('otii_logout').catch(() => {});
}

async function reserveLicense(
  connection: OtiiConnection,
  licenseId: number | undefined,
): Promise<number | undefined> {
  if (licenseId !== undefined) {
    await connection.request('otii_reserve_license', { license_id: licenseId });
    return licenseId;
  }
  const reply = await connection.request('otii_get_licenses');
  const licenses = Array.isArray(reply.licenses) ? (reply.licenses as Record<string, unknown>[]) : [];
  const automation = licenses.filter((l) => l.available === true && AUTOMATION_LICENSES.has(String(l.type)));
  if (automation.some((l) => l.reserved_to !== '')) return undefined; // already reserved for this user
  const free = automation.find((l) => l.reserved_to === '');
  if (!free) {
    const seen = licenses.map(
      (l) => `${String(l.type)}${l.reserved_to ? ` (reserved to ${String(l.reserved_to)})` : ''}`,
    );
    throw new Error(`no free license with Automation; the user has: ${seen.join(', ') || 'none'}`);
  }
  await connection.request('otii_reserve_license', { license_id: free.id });
  return Number(free.id);
}

/** The Arc or Ace to use: the one named (name or device id), else the only one connected. */
export async function findDevice(
  connection: OtiiConnection,
  wanted: string | undefined,
  requestTimeoutMs: Milliseconds,
): Promise<OtiiDevice> {
  const waitS = 5;
  // The server waits up to `timeout` seconds for devices to appear before it answers.
  const reply = await connection.request(
    'otii_get_devices',
    { timeout: waitS },
    { timeoutMs: requestTimeoutMs + waitS * 1000 },
  );
  const all = Array.isArray(reply.devices) ? (reply.devices as OtiiDevice[]) : [];
  const meters = all.filter((d) => d.type === 'Arc' || d.type === 'Ace');
  const listed = meters.map((d) => `${d.type} "${d.name}" (${d.device_id})`).join(', ') || 'none';
  if (wanted !== undefined) {
    const found = meters.find((d) => d.name === wanted || d.device_id === wanted);
    if (!found) throw new Error(`no Arc or Ace named or numbered "${wanted}"; connected: ${listed}`);
    return found;
  }
  if (meters.length === 1) return meters[0]!;
  throw new Error(
    meters.length === 0
      ? 'no Arc or Ace connected to the Otii application'
      : `${meters.length} devices connected (${listed}); choose one with the device option`,
  );
}

/** Samples per second of the main-current channel. */
export async function mainCurrentRate(connection: OtiiConnection, device: OtiiDevice): Promise<number> {
  try {
    const cmd = 'arc_get_channel_samplerate';
    const r = await connection.request(cmd, { device_id: device.device_id, channel: MAIN_CURRENT });
    const value = numberField(connection, cmd, r, 'value');
    return value > 0 ? value : ARC_CURRENT_RATE_HZ;
  } catch (error) {
    // Older servers lack the command; the Arc's current channel runs at its fixed rate.
    if (error instanceof OtiiCommandError) return ARC_CURRENT_RATE_HZ;
    throw error;
  }
}

/** The active project, or a new one when none is open. */
export async function activeProject(connection: OtiiConnection): Promise<number> {
  const active = await connection.request('otii_get_active_project');
  const id = numberField(connection, 'otii_get_active_project', active, 'project_id');
  if (id >= 0) return id;
  const created = await connection.request('otii_create_project');
  return numberField(connection, 'otii_create_project', created, 'project_id');
}

export function numberField(
  connection: OtiiConnection,
  cmd: string,
  data: Record<string, unknown>,
  key: string,
): number {
  const v = data[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new OtiiReplyError(connection.label, cmd, `expected a number in "${key}"`, data);
  }
  return v;
}
