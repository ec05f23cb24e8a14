/**
 * NON-STANDARD multicast (SC-PTM) reception. No shipping module exposes SC-PTM over AT and TS 27.007
 * has only the Rel-13 eMBMS commands (+CEMBMSCFG/+CEMBMSSRV/+CEMBMSR); this synthetic model is shaped
 * after those and keyed by TMGI. The AT face is in multicast-commands.ts; the (simulated) eNB drives
 * sessions and file deliveries through the methods marked "eNB side".
 */
import type { ModuleFileSystem } from './file-system.ts';

/** 0 deactivated, 1 activated (waiting for a session), 2 receiving, 3 session ended. */
export type MbmsServiceState = 0 | 1 | 2 | 3;

/** 0 complete and verified, 1 incomplete, 2 digest mismatch. */
export type MbmsFileStatus = 0 | 1 | 2;

/** Synthetic causes in `#XMBMSR: "<TMGI>",0,<cause>`. */
export const MBMS_CAUSE = { networkLost: 1, disabled: 2 } as const;

export interface MulticastFile {
  /** FDT Content-Location of the file. */
  contentLocation: string;
  bytes: Uint8Array;
  status: MbmsFileStatus;
}

export type DeliveryResult =
  | { stored: true; name: string }
  | { stored: false; reason: 'not-receiving' | 'storage-full' | 'module-off' };

export interface MulticastHost {
  readonly files: ModuleFileSystem;
  /** #XMBMSCFG=1 and the module is up. */
  enabled(): boolean;
  urc(text: string): void;
  flashWrite(bytes: number): Promise<void>;
  /** Reception started or stopped (current, PSM blockers). */
  receptionChanged(): void;
}

export function isTmgi(s: string): boolean {
  return /^[0-9A-Fa-f]{12}$/.test(s);
}

export class MulticastReceiver {
  readonly #host: MulticastHost;
  readonly #services = new Map<string, MbmsServiceState>();
  /** TMGIs with a session on air (network state: survives the module's reboots). */
  readonly #sessions = new Set<string>();
  #work = 0;

  constructor(host: MulticastHost) {
    this.#host = host;
  }

  /** Services the host activated, with their state. */
  services(): { tmgi: string; state: MbmsServiceState }[] {
    return [...this.#services].map(([tmgi, state]) => ({ tmgi, state }));
  }

  /** Some service is receiving a session (draws RRC-connected current). */
  get receiving(): boolean {
    return [...this.#services.values()].includes(2);
  }

  /** The service for tmgi is receiving (joined while its session is on air). */
  isReceiving(tmgi: string): boolean {
    return this.#services.get(tmgi.toUpperCase()) === 2;
  }

  /** Some service is activated or receiving, or the MBMS client is still at work: no PSM. */
  get active(): boolean {
    return this.#work > 0 || [...this.#services.values()].some((s) => s === 1 || s === 2);
  }

  /**
   * The MBMS client works on after a session (file repair, reception report): the module stays awake
   * until the returned release is called.
   */
  beginWork(): () => void {
    this.#work++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#work--;
      this.#host.receptionChanged();
    };
  }

  /** Host: join (AT#XMBMSSRV=1). */
  activate(tmgi: string): void {
    const id = tmgi.toUpperCase();
    const onAir = this.#sessions.has(id);
    this.#set(id, 1);
    if (onAir) this.#set(id, 2);
  }

  /** Host: leave (AT#XMBMSSRV=0). False when the service was not active. */
  deactivate(tmgi: string): boolean {
    const id = tmgi.toUpperCase();
    if (!this.#services.has(id)) return false;
    this.#set(id, 0);
    return true;
  }

  /** eNB side: a session for tmgi starts on air. */
  sessionStarted(tmgi: string): void {
    const id = tmgi.toUpperCase();
    this.#sessions.add(id);
    const state = this.#services.get(id);
    if (state === 1 || state === 3) this.#set(id, 2);
  }

  /** eNB side: the session for tmgi ends. */
  sessionEnded(tmgi: string): void {
    const id = tmgi.toUpperCase();
    this.#sessions.delete(id);
    if (this.#services.get(id) === 2) this.#set(id, 3);
  }

  /**
   * eNB side: a file of the session for tmgi has been received. It lands in the file system under
   * the last path segment of its Content-Location (replacing an older file of that name), then
   * `#XMBMSFILE` reports it. Nothing is stored unless the service is receiving.
   */
  async deliverFile(tmgi: string, file: MulticastFile): Promise<DeliveryResult> {
    const id = tmgi.toUpperCase();
    if (!this.#host.enabled()) return { stored: false, reason: 'module-off' };
    // Receiving, or the session just ended and the client completes the file by repair.
    const state = this.#services.get(id);
    if (state !== 2 && state !== 3) return { stored: false, reason: 'not-receiving' };
    const name = fileNameFor(file.contentLocation);
    if (file.bytes.length > this.#host.files.free + (this.#host.files.read(name)?.length ?? 0)) {
      this.#host.urc(`#XMBMSFILE: "${id}","${quoted(file.contentLocation)}",${file.bytes.length},1`);
      return { stored: false, reason: 'storage-full' };
    }
    try {
      await this.#host.flashWrite(file.bytes.length);
    } catch {
      return { stored: false, reason: 'module-off' }; // power lost while writing: nothing stored
    }
    this.#host.files.write(name, file.bytes, { overwrite: true });
    this.#host.urc(
      `#XMBMSFILE: "${id}","${quoted(file.contentLocation)}",${file.bytes.length},${file.status}`,
    );
    return { stored: true, name };
  }

  /** Registration lost: every service drops to 0 with cause 1. */
  networkLost(): void {
    this.#dropAll(MBMS_CAUSE.networkLost);
  }

  /** #XMBMSCFG=0: every service drops to 0 with cause 2. */
  disabled(): void {
    this.#dropAll(MBMS_CAUSE.disabled);
  }

  /** Power lost: the module forgets its services (the network's sessions go on). */
  reset(): void {
    this.#services.clear();
    this.#work = 0;
  }

  #dropAll(cause: number): void {
    for (const id of [...this.#services.keys()]) this.#set(id, 0, cause);
  }

  #set(id: string, state: MbmsServiceState, cause?: number): void {
    const before = this.#services.get(id);
    if (state === 0) this.#services.delete(id);
    else this.#services.set(id, state);
    if (before === state) return;
    this.#host.urc(`#XMBMSR: "${id}",${state}${cause === undefined ? '' : `,${cause}`}`);
    this.#host.receptionChanged();
  }
}

function quoted(text: string): string {
  return text.replace(/"/g, '%22');
}

/** File name for a Content-Location: its last path segment, made safe for the module file system. */
export function fileNameFor(contentLocation: string): string {
  const path = contentLocation.replace(/[?#].*$/, '');
  const last =
    path
      .split('/')
      .filter((p) => p.length > 0)
      .pop() ?? 'mbms-file';
  const safe = last.replace(/[\\/:*?"<>|\x00-\x1f]/g, '_').slice(-80);
  return safe.length > 0 ? safe : 'mbms-file';
}
