/**
 * The host's side of srsUE: on an srsRAN bench no module can receive the session (no SC-PTM), so srsUE
 * receives it for them and the rig reassembles the files from srsUE's interface, repairs what the air lost
 * from the campaign's repair server, and hands each file to the campaign, which stages it onto the modules
 * over AT. It sits on the air like a device that is always tuned.
 */
import type { Clock, EpochMs } from '../clock/index.ts';
import type { AirDevice } from '../enb/index.ts';
import { flute, repair } from '../mbms/index.ts';
import { seededRandom } from '../random/index.ts';
import type { HostReception } from '../update/index.ts';

interface Waiter {
  contentLocation: string;
  resolve(bytes: Uint8Array | undefined): void;
}

export class HostReceiver implements AirDevice, HostReception {
  readonly id = 'host';
  readonly problems: string[] = [];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #files = new Map<string, Uint8Array>();
  readonly #receivers = new Map<string, flute.FluteReceiver>();
  readonly #onAir = new Set<string>();
  #waiters: Waiter[] = [];
  #repairUri: string | undefined;
  #backoff = { offsetTime: 0, randomTimePeriod: 0 };

  constructor(clock: Clock, seed: number) {
    this.#clock = clock;
    this.#random = seededRandom(seed);
  }

  begin(o: { repairUri: string; backoff: { offsetTime: number; randomTimePeriod: number } }): void {
    this.#repairUri = o.repairUri;
    this.#backoff = o.backoff;
  }

  file(contentLocation: string, deadline: EpochMs, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const have = this.#files.get(contentLocation);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const waiter: Waiter = { contentLocation, resolve: (b) => done(b) };
      const timer = this.#clock.setTimer(Math.max(0, deadline - this.#clock.now()), () => done(undefined));
      const onAbort = () => done(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (b: Uint8Array | undefined) => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(b);
      };
      this.#waiters.push(waiter);
    });
  }

  tuned(tmgi: string): boolean {
    return this.#onAir.has(tmgi.toUpperCase());
  }

  receive(tmgi: string, packet: Uint8Array): void {
    this.#receiver(tmgi).push(packet);
  }

  sessionStarted(tmgi: string): void {
    this.#onAir.add(tmgi.toUpperCase());
    this.#receiver(tmgi);
  }

  sessionEnded(tmgi: string): void {
    this.#onAir.delete(tmgi.toUpperCase());
    const r = this.#receivers.get(tmgi.toUpperCase());
    if (!r) return;
    for (const entry of r.table.entries()) {
      const location = entry.file.contentLocation;
      if (!this.#files.has(location)) void this.#repair(r, location);
    }
  }

  nextPagingOccasion(): 'off' {
    return 'off';
  }

  paged(): void {}

  #receiver(tmgi: string): flute.FluteReceiver {
    const id = tmgi.toUpperCase();
    let r = this.#receivers.get(id);
    if (!r) {
      r = new flute.FluteReceiver({ clock: this.#clock });
      r.on('file', (f) => this.#got(f.contentLocation, f.bytes));
      this.#receivers.set(id, r);
    }
    return r;
  }

  #got(contentLocation: string, bytes: Uint8Array): void {
    this.#files.set(contentLocation, bytes);
    for (const w of this.#waiters.filter((x) => x.contentLocation === contentLocation)) w.resolve(bytes);
  }

  async #repair(r: flute.FluteReceiver, location: string): Promise<void> {
    const request = r.repairRequest(location);
    if (!request || !this.#repairUri) return;
    try {
      const client = new repair.RepairClient({
        clock: this.#clock,
        random: this.#random,
        backoff: this.#backoff,
      });
      const result = await client.repairSymbols({
        fileURI: location,
        ...(request.contentMd5 ? { contentMd5: request.contentMd5 } : {}),
        oti: request.oti,
        missing: request.missing,
        servers: [this.#repairUri],
      });
      if (result.kind === 'symbols') r.addRepairSymbols(location, result.symbols);
    } catch (e) {
      this.problems.push(`repair of ${location}: ${(e as Error).message}`);
    }
  }
}
