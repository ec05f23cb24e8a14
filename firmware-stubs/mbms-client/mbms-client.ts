/**
 * The device's MBMS client: what a module with SC-PTM reception would run between the air and its file
 * system. It reassembles the FLUTE session the (simulated) eNB delivers, hands complete files to the
 * module (#XMBMSFILE), repairs what the air lost over unicast after the ADPD back-off, and sends the
 * reception report. Its procedures (repair and report servers, back-off) come from the announcement, as a
 * real MBMS client reads them from the USD: the one the module's own MQTT session received (base64, on
 * any topic ending in /announce/<id>), else a file `mbms.sa` the host stored on the module.
 *
 * It uses the rig's FLUTE, repair and report code: unlike the AT codecs, those are checked against
 * outside references (tshark's dissector, liblcrq, the 3GPP schemas), not only against themselves.
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import type { Clock, EpochMs } from '../../src/clock/index.ts';
import type { AirDevice } from '../../src/enb/index.ts';
import { announce, flute, repair, report } from '../../src/mbms/index.ts';
import type { EmulatedModule } from '../module/emulated-module.ts';

/** Where the host leaves the announcement for the MBMS client. */
export const ANNOUNCEMENT_FILE = 'mbms.sa';

export interface MbmsClientOptions {
  module: EmulatedModule;
  /** The device's name on the air (the IMEI on the emulated bench). */
  id: string;
  clock: Clock;
  /** Seeded: back-off draws, sampling, server choice. */
  random: () => number;
}

/** What happened to one file, as the campaign's evidence wants it. */
export interface ClientFileRecord {
  tmgi: string;
  contentLocation: string;
  bytes: number;
  completeAt?: EpochMs;
  receivedBeforeRepair: boolean;
  receivedAfterRepair: boolean;
  repair?: { requestedSymbols: number; bytes: number; at: EpochMs } | { failed: string; at: EpochMs };
  report?: { at: EpochMs; bytes: number; server: string } | { failed: string; at: EpochMs };
}

interface SessionState {
  receiver: flute.FluteReceiver;
  packets: number;
  tunedThisSession: boolean;
  delivered: Set<string>;
  /** Files being completed by repair symbols (their file event comes from the repair). */
  repairing: Set<string>;
}

export class MbmsClient implements AirDevice {
  readonly id: string;
  readonly records: ClientFileRecord[] = [];
  /** Problems the client met (bad announcement, repair refused…), for the evidence. */
  readonly problems: string[] = [];
  readonly #o: MbmsClientOptions;
  readonly #sessions = new Map<string, SessionState>();
  readonly #pending = new Set<Promise<unknown>>();

  #announcement: Uint8Array | undefined;
  readonly #agent = new Agent({ keepAlive: false });
  /** The client names itself with its device id, as HTTP clients do (the repair server's log tells devices apart). */
  get #userAgent(): string {
    return `mbms-iot-rig-client/1 (device ${this.id})`;
  }

  constructor(options: MbmsClientOptions) {
    this.#o = options;
    this.id = options.id;
    options.module.mqtt.on('message', (m) => {
      if (/\/announce\/[^/]+$/.test(m.topic))
        this.#announcement = Buffer.from(m.payload.toString('latin1'), 'base64');
    });
  }

  get module(): EmulatedModule {
    return this.#o.module;
  }

  /** Outstanding repair and report work (a test or the bench waits for it before closing). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  tuned(tmgi: string): boolean {
    const m = this.#o.module;
    return m.power === 'on' && m.multicast.isReceiving(tmgi);
  }

  receive(tmgi: string, packet: Uint8Array): void {
    const s = this.#state(tmgi);
    s.packets++;
    s.tunedThisSession = true;
    s.receiver.push(packet);
  }

  sessionStarted(tmgi: string): void {
    const s = this.#state(tmgi);
    s.tunedThisSession = false;
    this.#o.module.multicast.sessionStarted(tmgi);
  }

  sessionEnded(tmgi: string): void {
    this.#o.module.multicast.sessionEnded(tmgi);
    const s = this.#sessions.get(tmgi.toUpperCase());
    if (!s?.tunedThisSession) return;
    // Files the FDT lists that did not complete: repair them (the ADPD says how and when).
    // Only the files the device's own announcement lists (a session may carry other device classes' files).
    const wanted = this.#wantedFiles();
    const described = new Set<string>();
    for (const entry of s.receiver.table.entries()) {
      const location = entry.file.contentLocation;
      described.add(location);
      if (s.delivered.has(location) || (wanted && !wanted.has(location))) continue;
      this.#track(this.#repair(tmgi, s, location));
    }
    // Every FDT instance lost: the symbols cannot be placed, so the whole file comes by byte range.
    for (const f of this.#content()?.schedule.files ?? []) {
      if (described.has(f.contentLocation) || s.delivered.has(f.contentLocation)) continue;
      this.#track(this.#fetchWhole(tmgi, s, f));
    }
  }

  nextPagingOccasion(): EpochMs | 'psm' | 'off' {
    const m = this.#o.module;
    if (m.power === 'off') return 'off';
    if (m.power === 'asleep') return 'psm';
    return m.radio.nextReachable();
  }

  paged(): void {
    this.#o.module.radio.paged();
  }

  #state(tmgi: string): SessionState {
    const id = tmgi.toUpperCase();
    let s = this.#sessions.get(id);
    if (!s) {
      const receiver = new flute.FluteReceiver({ clock: this.#o.clock });
      s = { receiver, packets: 0, tunedThisSession: false, delivered: new Set(), repairing: new Set() };
      const state = s;
      receiver.on('file', (f) =>
        this.#track(this.#deliver(id, state, f, !state.repairing.has(f.contentLocation))),
      );
      this.#sessions.set(id, s);
    }
    return s;
  }

  async #deliver(tmgi: string, s: SessionState, f: flute.ReceivedFile, beforeRepair: boolean): Promise<void> {
    if (s.delivered.has(f.contentLocation)) return;
    s.delivered.add(f.contentLocation);
    const record = this.#record(tmgi, f.contentLocation, f.bytes.length);
    record.receivedBeforeRepair ||= beforeRepair;
    record.receivedAfterRepair = true;
    record.completeAt = this.#o.clock.now();
    const result = await this.#o.module.multicast.deliverFile(tmgi, {
      contentLocation: f.contentLocation,
      bytes: f.bytes,
      status: 0,
    });
    if (!result.stored) this.problems.push(`${f.contentLocation}: not stored (${result.reason})`);
    await this.#report(tmgi, record, f.md5);
  }

  async #repair(tmgi: string, s: SessionState, location: string): Promise<void> {
    const record = this.#record(tmgi, location, 0);
    const procedures = this.#procedures();
    const request = s.receiver.repairRequest(location);
    if (!request) return;
    const fileRepair = procedures?.fileRepair;
    if (!fileRepair) {
      record.repair = { failed: 'the announcement has no file repair procedure', at: this.#o.clock.now() };
      await this.#incomplete(tmgi, record);
      return;
    }
    const client = new repair.RepairClient({
      clock: this.#o.clock,
      random: this.#o.random,
      userAgent: this.#userAgent,
      backoff: { offsetTime: fileRepair.offsetTime ?? 0, randomTimePeriod: fileRepair.randomTimePeriod },
    });
    const requested = request.missing.reduce((n, m) => n + m.esis.length, 0);
    try {
      const result = await client.repairSymbols({
        fileURI: location,
        ...(request.contentMd5 ? { contentMd5: request.contentMd5 } : {}),
        oti: request.oti,
        missing: request.missing,
        servers: fileRepair.serverUris,
      });
      if (result.kind !== 'symbols')
        throw new Error(`redirected to a broadcast repair session ${result.sessionDescriptionUri}`);
      const bytes = result.symbols.reduce((n, sym) => n + sym.data.length, 0);
      // The repair is a unicast exchange: the radio connects for the request and the symbols.
      this.#o.module.radio.activity('uplink', 200);
      this.#o.module.radio.activity('downlink', bytes);
      record.repair = { requestedSymbols: requested, bytes, at: this.#o.clock.now() };
      s.repairing.add(location);
      s.receiver.addRepairSymbols(location, result.symbols);
      s.repairing.delete(location);
      if (!s.delivered.has(location)) {
        await this.#incomplete(tmgi, record);
      }
    } catch (e) {
      record.repair = { failed: (e as Error).message, at: this.#o.clock.now() };
      this.problems.push(`repair of ${location}: ${(e as Error).message}`);
      await this.#incomplete(tmgi, record);
    }
  }

  /**
   * No FDT instance arrived, so no symbol can be placed: fetch the whole file from the repair server,
   * which serves each file under the path of its fileURI (the schedule's Alternate-Content-Location when
   * the binary announcement gave one), after the repair back-off.
   */
  async #fetchWhole(tmgi: string, s: SessionState, f: announce.ScheduledFile): Promise<void> {
    const record = this.#record(tmgi, f.contentLocation, f.fdt?.contentLength ?? 0);
    const fileRepair = this.#procedures()?.fileRepair;
    const server = fileRepair?.serverUris[0];
    if (!fileRepair || !server) {
      record.repair = { failed: 'no FDT received and no repair server announced', at: this.#o.clock.now() };
      await this.#incomplete(tmgi, record);
      return;
    }
    const url = f.fdt?.alternateContentLocation ?? new URL(new URL(f.contentLocation).pathname, server).href;
    try {
      const backoffS = announce.backoff(
        fileRepair.offsetTime ?? 0,
        fileRepair.randomTimePeriod,
        this.#o.random,
      );
      await this.#o.clock.sleep(backoffS * 1000);
      const reply = await repair.httpExchange(this.#agent, this.#o.clock, {
        method: 'GET',
        url,
        headers: { 'User-Agent': this.#userAgent },
      });
      if (reply.status !== 200) throw new Error(`GET ${url}: HTTP ${reply.status}`);
      const bytes = new Uint8Array(reply.body);
      const md5 = createHash('md5').update(bytes).digest('base64');
      if (f.md5 && md5 !== f.md5) throw new Error(`GET ${url}: MD5 ${md5}, the schedule says ${f.md5}`);
      this.#o.module.radio.activity('uplink', 200);
      this.#o.module.radio.activity('downlink', bytes.length);
      record.repair = { requestedSymbols: 0, bytes: bytes.length, at: this.#o.clock.now() };
      await this.#deliver(
        tmgi,
        s,
        { toi: f.fdt?.toi ?? 0, contentLocation: f.contentLocation, bytes, md5 },
        false,
      );
    } catch (e) {
      record.repair = { failed: (e as Error).message, at: this.#o.clock.now() };
      this.problems.push(`whole-file fetch of ${f.contentLocation}: ${(e as Error).message}`);
      await this.#incomplete(tmgi, record);
    }
  }

  async #incomplete(tmgi: string, record: ClientFileRecord): Promise<void> {
    await this.#o.module.multicast.deliverFile(tmgi, {
      contentLocation: record.contentLocation,
      bytes: new Uint8Array(0),
      status: 1,
    });
  }

  async #report(tmgi: string, record: ClientFileRecord, md5: string): Promise<void> {
    const rr = this.#procedures()?.receptionReport;
    if (!rr) return;
    const reporter = new report.ReceptionReporter({
      clock: this.#o.clock,
      random: this.#o.random,
      procedure: {
        serviceURIs: rr.serverUris,
        offsetTime: rr.offsetTime ?? 0,
        randomTimePeriod: rr.randomTimePeriod,
        ...(rr.samplePercentage !== undefined ? { samplePercentage: rr.samplePercentage } : {}),
        // A coap:// server takes the TR 26.850 RAck-IoT form; http:// the TS 26.346 XML report.
        reportType: rr.serverUris.some((u) => u.startsWith('coap:')) ? 'RAck-IoT' : (rr.reportType ?? 'RAck'),
      },
    });
    try {
      const outcome = await reporter.send(
        [
          {
            fileURI: record.contentLocation,
            contentMd5: md5,
            receivedBeforeRepair: record.receivedBeforeRepair,
            receivedAfterRepair: record.receivedAfterRepair,
          },
        ],
        { deviceId: this.id, sessionId: tmgi },
      );
      if (outcome.kind === 'sent') {
        this.#o.module.radio.activity('uplink', outcome.bytes);
        record.report = { at: outcome.at, bytes: outcome.bytes, server: outcome.server };
      }
    } catch (e) {
      record.report = { failed: (e as Error).message, at: this.#o.clock.now() };
      this.problems.push(`report for ${record.contentLocation}: ${(e as Error).message}`);
    }
  }

  #procedures(): announce.AnnouncementContent['session']['procedures'] {
    return this.#content()?.session.procedures;
  }

  #wantedFiles(): Set<string> | undefined {
    const files = this.#content()?.schedule.files;
    return files && files.length > 0 ? new Set(files.map((f) => f.contentLocation)) : undefined;
  }

  #decoded: { bytes: Uint8Array; content: announce.AnnouncementContent } | undefined;

  #content(): announce.AnnouncementContent | undefined {
    const stored = this.#announcement ?? this.#o.module.files.read(ANNOUNCEMENT_FILE);
    if (!stored) return undefined;
    if (this.#decoded && Buffer.compare(this.#decoded.bytes, stored) === 0) return this.#decoded.content;
    try {
      const content = announce.decodeAnnouncementMessage(stored).content;
      this.#decoded = { bytes: stored, content };
      return content;
    } catch (e) {
      this.problems.push(`${ANNOUNCEMENT_FILE}: ${(e as Error).message}`);
      return undefined;
    }
  }

  #record(tmgi: string, contentLocation: string, bytes: number): ClientFileRecord {
    let r = this.records.find((x) => x.tmgi === tmgi && x.contentLocation === contentLocation);
    if (!r) {
      r = { tmgi, contentLocation, bytes, receivedBeforeRepair: false, receivedAfterRepair: false };
      this.records.push(r);
    }
    if (bytes > 0) r.bytes = bytes;
    return r;
  }

  #track(p: Promise<unknown>): void {
    const release = this.#o.module.multicast.beginWork();
    const tracked = p.catch((e: Error) => this.problems.push(`internal: ${e.message}`)).finally(release);
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }
}
