import { EventEmitter } from 'node:events';
import {
  AtDeviceError,
  type AtEngine,
  type Cereg,
  ceregForm,
  checkImei,
  decodeEdrxCycle,
  decodeGprsTimer2,
  decodeGprsTimer3,
  encodeEdrxCycle,
  encodeGprsTimer2,
  encodeGprsTimer3,
  formatCedrxsSet,
  formatCpsmsSet,
  isRegistered,
  parseCedrxp,
  parseCedrxrdp,
  parseCeregRead,
  parseCeregUrc,
  parseCesq,
  parseCfun,
  parseCgsn,
  parseCpsmsRead,
  parseCsconUrc,
  parseCsq,
  type Urc,
  type UrcSpec,
} from '../at/index.ts';
import type { Clock } from '../clock/index.ts';
import type { DialectId } from '../hardware/index.ts';
import { atString, type Dialect, type DialectContext } from './dialect.ts';
import { DIALECTS, selectDialect } from './dialects/index.ts';
import { DialectMismatchError, FotaError, RegistrationError, UnsupportedError } from './errors.ts';
import { formatMbmsService, MBMS_URCS, parseMbmsFile, parseMbmsService } from './multicast.ts';
import type {
  EdrxReport,
  EdrxRequest,
  FileEntry,
  FotaEvent,
  Identity,
  MbmsFileEvent,
  MbmsServiceEvent,
  MqttConnectOptions,
  MqttMessage,
  PowerSaveEvent,
  PsmReport,
  PsmRequest,
  RawIdentity,
  Signal,
} from './types.ts';

/** A device error (ERROR, +CME ERROR) is an answer we can live with; anything else is rethrown. */
function deviceErrorIsFine(e: unknown): void {
  if (!(e instanceof AtDeviceError)) throw e;
}

/** Standard 27.007 URCs every module may send. */
const STANDARD_URCS: readonly UrcSpec[] = [
  { name: '+CEREG', match: { prefix: '+CEREG:' }, isUrc: (l) => ceregForm(l) === 'urc' },
  // During AT+CSCON? the line is the read response; elsewhere it is the URC.
  { name: '+CSCON', match: { prefix: '+CSCON:' } },
  { name: '+CEDRXP', match: { prefix: '+CEDRXP:' } },
  { name: '+CPIN', match: { prefix: '+CPIN:' } },
  { name: '+CFUN', match: { prefix: '+CFUN:' } },
  { name: '+CGEV', match: { prefix: '+CGEV:' } },
];

export interface ModemEvents {
  registration: [Cereg];
  rrc: [{ connected: boolean; line: string }];
  'power-save': [PowerSaveEvent];
  fota: [FotaEvent];
  'mqtt-message': [MqttMessage];
  mbms: [MbmsServiceEvent];
  'mbms-file': [MbmsFileEvent];
  reboot: [Urc];
}

export interface ModemOpenOptions {
  clock: Clock;
  /** Expected dialect or profile id from the bench; a different module on the port is an error. */
  expect?: { dialect?: DialectId; profileId?: string };
  /** Timeout of the first contact (the module may be booting). */
  contactTimeoutMs?: number;
}

/**
 * What a test needs from a module, over its AtEngine: identification, attach, power saving with
 * requested vs granted values, signal, files, module firmware update, MQTT through the module's own
 * stack, multicast reception, reboot. Generic 27.007 here; vendor specifics in the dialect.
 */
export class Modem extends EventEmitter<ModemEvents> {
  #identity: Identity | undefined;
  #dialect: Dialect;
  readonly #unregister: (() => void)[] = [];

  private constructor(
    readonly engine: AtEngine,
    readonly clock: Clock,
    dialect: Dialect,
  ) {
    super();
    this.#dialect = dialect;
    this.#unregister.push(engine.urcs.addAll([...STANDARD_URCS, ...MBMS_URCS]));
    this.#unregister.push(engine.onUrc('*', (u) => this.#onUrc(u)));
    engine.on('reboot', (u) => this.emit('reboot', u));
  }

  /**
   * Make contact, identify the module, choose its dialect (or check the expected one) and apply the
   * standard set-up: echo off, verbose errors, registration and RRC URCs.
   */
  static async open(engine: AtEngine, options: ModemOpenOptions): Promise<Modem> {
    const modem = new Modem(engine, options.clock, DIALECTS.generic);
    // Boot URCs of every known dialect, so a module rebooting during contact is recognised.
    modem.#unregister.push(
      engine.urcs.addAll(Object.values(DIALECTS).flatMap((d) => d.urcs.filter((u) => u.kind === 'reboot'))),
    );
    await modem.#contact(options.contactTimeoutMs ?? 10_000);
    await modem.#basics();
    const raw = await modem.#readIdentity();
    const dialect = selectDialect(raw);
    const profileId = dialect.profileFor(raw);
    const expect = options.expect;
    if (expect?.dialect && expect.dialect !== dialect.id) {
      throw new DialectMismatchError(
        engine.name,
        `the bench expects a ${expect.dialect} module, but the module identifies as ${raw.manufacturer} ${raw.model} (${dialect.id} dialect)`,
      );
    }
    if (expect?.profileId && profileId !== expect.profileId) {
      throw new DialectMismatchError(
        engine.name,
        `the bench expects ${expect.profileId}, but the module identifies as ${raw.manufacturer} ${raw.model}${profileId ? ` (${profileId})` : ''}`,
      );
    }
    modem.#dialect = dialect;
    modem.#identity = { ...raw, dialect: dialect.id, ...(profileId ? { profileId } : {}) };
    modem.#unregister.push(engine.urcs.addAll(dialect.urcs));
    await modem.#setup();
    return modem;
  }

  get identity(): Identity {
    if (!this.#identity) throw new Error('Modem.identity read before open() finished');
    return this.#identity;
  }

  get dialect(): Dialect {
    return this.#dialect;
  }

  /** Where this module takes an update package uploaded over AT (undefined: only by URL). */
  get firmwareUploadTarget(): string | undefined {
    return this.#dialect.fota?.uploadTarget;
  }

  get port(): string {
    return this.engine.name;
  }

  async setFunctionality(fun: 0 | 1 | 4): Promise<void> {
    await this.engine.send(`AT+CFUN=${fun}`, { timeoutMs: 15_000 });
  }

  async functionality(): Promise<number> {
    const [line] = await this.#lines('AT+CFUN?', '+CFUN:');
    return parseCfun(line!).fun;
  }

  async registration(): Promise<Cereg> {
    const [line] = await this.#lines('AT+CEREG?', '+CEREG:');
    return parseCeregRead(line!);
  }

  /**
   * Full functionality, then wait for registration through +CEREG URCs (home or roaming). A denial
   * (stat 3) fails at once; no registration within timeoutMs fails with the last state seen.
   */
  async attach(options: { apn?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Cereg> {
    if (options.apn !== undefined)
      await this.engine.send(`AT+CGDCONT=1,"IP",${atString(options.apn, 'APN')}`);
    const timeoutMs = options.timeoutMs ?? 180_000;
    let last: Cereg | undefined;
    let stop = () => {};
    const registered = new Promise<Cereg>((resolve, reject) => {
      const off = this.engine.onUrc('+CEREG', (u) => {
        const c = parseCeregUrc(u.line);
        last = c;
        if (isRegistered(c.stat)) {
          stop();
          resolve(c);
        } else if (c.stat === 3) {
          stop();
          reject(new RegistrationError(this.port, `registration denied by the network (${u.line})`));
        }
      });
      const timer = this.clock.setTimer(timeoutMs, () => {
        off();
        reject(
          new RegistrationError(
            this.port,
            `not registered within ${timeoutMs / 1000} s; last +CEREG stat ${last?.stat ?? 'none seen'}`,
          ),
        );
      });
      const onAbort = () => {
        stop();
        reject(options.signal?.reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stop = () => {
        off();
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
      };
    });
    registered.catch(() => {});
    if ((await this.functionality()) !== 1) await this.setFunctionality(1);
    const now = await this.registration();
    last ??= now;
    if (isRegistered(now.stat)) {
      stop();
      return now;
    }
    // URCs can be missed (a module that restarted on its own comes back with +CEREG URCs off): poll too.
    let polling = true;
    const poll = async () => {
      while (polling) {
        await this.clock.sleep(10_000).catch(() => {});
        if (!polling) return;
        const c = await this.registration().catch(() => undefined);
        if (c && polling && isRegistered(c.stat)) {
          polling = false;
          stop();
          settle(c);
        }
      }
    };
    let settle: (c: Cereg) => void = () => {};
    const polled = new Promise<Cereg>((resolve) => {
      settle = resolve;
    });
    void poll();
    try {
      return await Promise.race([registered, polled]);
    } finally {
      polling = false;
    }
  }

  /**
   * Request PSM timers, then read back what the module stored and what the network granted. The
   * module negotiates the timers in a tracking area update, so the grant is awaited (a +CEREG URC
   * carrying timers, up to grantWaitMs) before it is read.
   */
  async setPsm(request: PsmRequest | 'off', options: { grantWaitMs?: number } = {}): Promise<PsmReport> {
    const grant = this.#waitQuietly('+CEREG', options.grantWaitMs ?? 10_000, (u) => {
      const c = parseCeregUrc(u.line);
      return c.activeTime !== undefined || c.periodicTau !== undefined;
    });
    if (request === 'off') {
      await this.engine.send(formatCpsmsSet({ mode: 0 }));
    } else {
      const tau = encodeGprsTimer3(request.periodicTauS);
      const active = encodeGprsTimer2(request.activeTimeS);
      await this.engine.send(formatCpsmsSet({ mode: 1, periodicTau: tau.bits, activeTime: active.bits }));
      await grant;
    }
    return this.readPsm();
  }

  /** Wait for a URC, resolving undefined on timeout: for grants that may legitimately not come. */
  #waitQuietly(name: string, timeoutMs: number, predicate: (u: Urc) => boolean): Promise<Urc | undefined> {
    return this.engine.waitForUrc(name, { timeoutMs, predicate }).catch(() => undefined);
  }

  async readPsm(): Promise<PsmReport> {
    const [line] = await this.#lines('AT+CPSMS?', '+CPSMS:');
    const stored = parseCpsmsRead(line!);
    const report: PsmReport = {
      enabled: stored.mode === 1,
      requested: {
        ...(stored.periodicTau ? { periodicTau: decodeGprsTimer3(stored.periodicTau) } : {}),
        ...(stored.activeTime ? { activeTime: decodeGprsTimer2(stored.activeTime) } : {}),
      },
    };
    const vendor = await this.#dialect.readGrantedPsm?.(this.#ctx());
    if (vendor) return { ...report, granted: vendor, grantedFrom: `${this.#dialect.id} vendor command` };
    const reg = await this.registration();
    if (reg.activeTime || reg.periodicTau) {
      return {
        ...report,
        granted: {
          ...(reg.activeTime ? { activeTime: reg.activeTime } : {}),
          ...(reg.periodicTau ? { periodicTau: reg.periodicTau } : {}),
        },
        grantedFrom: '+CEREG (n=4/5)',
      };
    }
    return report;
  }

  /**
   * Request an eDRX cycle (the shortest code not shorter than asked) and read back the network's
   * values, after the +CEDRXP URC that reports the negotiation (up to grantWaitMs).
   */
  async setEdrx(request: EdrxRequest | 'off', options: { grantWaitMs?: number } = {}): Promise<EdrxReport> {
    if (request === 'off') {
      await this.engine.send(formatCedrxsSet({ mode: 0 }));
    } else {
      const grant = this.#waitQuietly('+CEDRXP', options.grantWaitMs ?? 10_000, () => true);
      const code = encodeEdrxCycle(request.cycleS, request.mode);
      await this.engine.send(
        formatCedrxsSet({ mode: 2, actType: request.mode === 'wb-s1' ? 4 : 5, requestedEdrx: code.bits }),
      );
      await grant;
    }
    return this.readEdrx();
  }

  async readEdrx(): Promise<EdrxReport> {
    const [line] = await this.#lines('AT+CEDRXRDP', '+CEDRXRDP:');
    return parseCedrxrdp(line!);
  }

  async signal(): Promise<Signal> {
    try {
      const [line] = await this.#lines('AT+CESQ', '+CESQ:');
      const q = parseCesq(line!);
      return {
        rsrpDbm: q.rsrpDbm?.max ?? q.rsrpDbm?.min ?? null,
        rsrqDb: q.rsrqDb?.max ?? q.rsrqDb?.min ?? null,
        source: line!,
      };
    } catch (e) {
      if (!(e instanceof AtDeviceError)) throw e;
      const [line] = await this.#lines('AT+CSQ', '+CSQ:');
      parseCsq(line!);
      return { rsrpDbm: null, rsrqDb: null, source: line! };
    }
  }

  // --- files ---

  async uploadFile(name: string, bytes: Buffer): Promise<void> {
    await this.#files().upload(this.#ctx(), name, bytes);
  }

  async readFile(name: string): Promise<Buffer> {
    return this.#files().read(this.#ctx(), name);
  }

  async listFiles(): Promise<FileEntry[]> {
    return this.#files().list(this.#ctx());
  }

  async deleteFile(name: string): Promise<void> {
    await this.#files().remove(this.#ctx(), name);
  }

  // --- module firmware update ---

  /**
   * Start the module's own firmware update from a file on the module (or a URL where supported) and
   * follow its progress URCs to the end: resolves with the revision the module reports afterwards.
   */
  async firmwareUpdate(
    source: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<string> {
    const fota = this.#dialect.fota;
    if (!fota)
      throw new UnsupportedError(this.port, `the ${this.#dialect.id} dialect has no module firmware update`);
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    let stop = () => {};
    // After 'done' most modules restart into the new image: the revision is read once they are back.
    const restarts = fota.restartsAfterDone !== false;
    const hasBootLine = this.#dialect.urcs.some((u) => u.kind === 'reboot');
    let booted: Promise<Urc> | undefined;
    const outcome = new Promise<FotaEvent>((resolve, reject) => {
      const off = this.engine.onUrc('*', (u) => {
        const ev = fota.event(u);
        if (ev?.stage === 'done' || ev?.stage === 'failed') {
          // Listen for the boot line before anything else can pass it by.
          if (ev.stage === 'done' && restarts && hasBootLine) booted = this.#waitBoot(120_000);
          stop();
          resolve(ev);
        }
      });
      const timer = this.clock.setTimer(timeoutMs, () => {
        off();
        reject(
          new FotaError(
            this.port,
            `firmware update from ${source} did not finish within ${timeoutMs / 60_000} min`,
          ),
        );
      });
      // The caller may give up (a test that cut the power on purpose): no waiting out the timeout.
      const onAbort = () => {
        stop();
        reject(
          new FotaError(
            this.port,
            `firmware update from ${source} abandoned: ${String(options.signal?.reason ?? 'aborted')}`,
          ),
        );
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stop = () => {
        off();
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
      };
    });
    outcome.catch(() => {});
    try {
      await fota.start(this.#ctx(), source);
    } catch (e) {
      stop();
      throw e;
    }
    const end = await outcome;
    if (end.stage === 'failed')
      throw new FotaError(this.port, `firmware update from ${source} failed: ${end.source}`);
    if (booted) await booted;
    else if (restarts) await this.clock.sleep(this.#dialect.bootWaitMs ?? 6000, options.signal);
    options.signal?.throwIfAborted();
    await this.#afterReboot(120_000);
    return this.identity.revision;
  }

  // --- MQTT through the module's stack ---

  async mqttConnect(options: MqttConnectOptions): Promise<void> {
    await this.#mqtt().connect(this.#ctx(), options);
  }

  async mqttSubscribe(topic: string, qos: 0 | 1 = 1): Promise<void> {
    await this.#mqtt().subscribe(this.#ctx(), topic, qos);
  }

  async mqttPublish(topic: string, payload: Buffer | string, qos: 0 | 1 = 1): Promise<void> {
    await this.#mqtt().publish(
      this.#ctx(),
      topic,
      Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      qos,
    );
  }

  async mqttDisconnect(): Promise<void> {
    await this.#mqtt().disconnect(this.#ctx());
  }

  // --- multicast reception (non-standard #XMBMS set) ---

  async multicastEnable(on = true): Promise<void> {
    await this.engine.send(`AT#XMBMSCFG=${on ? 1 : 0}`);
  }

  async multicastJoin(tmgi: string): Promise<void> {
    await this.engine.send(formatMbmsService('join', tmgi));
  }

  async multicastLeave(tmgi: string): Promise<void> {
    await this.engine.send(formatMbmsService('leave', tmgi));
  }

  async multicastServices(): Promise<MbmsServiceEvent[]> {
    return (await this.#lines('AT#XMBMSSRV?', '#XMBMSSRV:')).map(parseMbmsService);
  }

  // --- waking from PSM ---

  /**
   * Make sure the module answers: a module in PSM loses the first command but wakes on it (as on a wake
   * line pulse), so plain AT is sent until it answers OK, at most `attempts` times. Modules that leave
   * PSM through a boot (Quectel prints RDY) lose their settings: the standard set-up is applied again.
   */
  async wake(options: { attempts?: number; perAttemptMs?: number } = {}): Promise<void> {
    const attempts = options.attempts ?? 5;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        await this.engine.send('AT', { timeoutMs: options.perAttemptMs ?? 3000 });
        return;
      } catch (e) {
        last = e;
        if (e instanceof Error && e.name === 'AtRebootError') {
          await this.#afterReboot(60_000);
          return;
        }
        if (!(e instanceof Error) || (e.name !== 'AtTimeoutError' && e.name !== 'AtUnresponsiveError'))
          throw e;
      }
    }
    throw last;
  }

  // --- reboot ---

  /** Restart the module, wait for its boot banner, and apply the set-up again. */
  async reboot(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    // Modules that print no boot line (u-blox SARA-R5) are given their boot time, then polled.
    const hasBootLine = this.#dialect.urcs.some((u) => u.kind === 'reboot');
    const booted = hasBootLine ? this.#waitBoot(timeoutMs) : undefined;
    await this.engine.send(this.#dialect.rebootCommand, { timeoutMs: 15_000 }).catch((e: Error) => {
      // Some modules restart before the OK: the boot URC ending the command is the expected path.
      if (e.name !== 'AtRebootError') throw e;
    });
    if (booted) await booted;
    else await this.clock.sleep(this.#dialect.bootWaitMs ?? 6000);
    await this.#afterReboot(timeoutMs);
  }

  close(): void {
    for (const u of this.#unregister.splice(0)) u();
    this.removeAllListeners();
  }

  #waitBoot(timeoutMs: number): Promise<Urc> {
    const p = new Promise<Urc>((resolve, reject) => {
      const onBoot = (u: Urc) => {
        timer.cancel();
        resolve(u);
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.engine.off('reboot', onBoot);
        reject(
          new RegistrationError(
            this.port,
            `no boot banner within ${timeoutMs / 1000} s after ${this.#dialect.rebootCommand}`,
          ),
        );
      });
      this.engine.once('reboot', onBoot);
    });
    p.catch(() => {});
    return p;
  }

  async #afterReboot(timeoutMs: number): Promise<void> {
    await this.#contact(timeoutMs);
    await this.#basics();
    const raw = await this.#readIdentity();
    this.#identity = { ...this.identity, ...raw };
    await this.#setup();
  }

  /** First contact: resync until the module answers (it may still be booting). */
  async #contact(timeoutMs: number): Promise<void> {
    const deadline = this.clock.monotonic() + timeoutMs;
    for (;;) {
      if (await this.engine.resync()) return;
      if (this.clock.monotonic() >= deadline) {
        throw new RegistrationError(
          this.port,
          `no answer to AT within ${timeoutMs / 1000} s (is the module powered and on this port?)`,
        );
      }
      await this.clock.sleep(500);
    }
  }

  /**
   * Echo off and verbose errors. Not every module takes them: the nRF91 Serial LTE Modem answers
   * AT+CMEE=2 with ERROR (numeric errors still work) and may refuse ATE0; both are tolerated.
   */
  async #basics(): Promise<void> {
    await this.engine.send('ATE0').catch(deviceErrorIsFine);
    await this.engine.send('AT+CMEE=2').catch(async (e) => {
      deviceErrorIsFine(e);
      await this.engine.send('AT+CMEE=1').catch(deviceErrorIsFine);
    });
  }

  async #setup(): Promise<void> {
    await this.engine.send('AT+CEREG=5');
    await this.engine.send('AT+CSCON=1').catch((e) => {
      if (!(e instanceof AtDeviceError)) throw e; // optional in 27.007: fine to lack it
    });
    for (const cmd of this.#dialect.setup) await this.engine.send(cmd);
  }

  async #readIdentity(): Promise<RawIdentity> {
    // The nRF91 Serial LTE Modem answers ATI with ERROR.
    const ati = await this.engine.send('ATI').then(
      (r) => r.lines,
      (e): string[] => {
        deviceErrorIsFine(e);
        return [];
      },
    );
    const manufacturer = (await this.engine.send('AT+CGMI')).lines
      .join(' ')
      .replace(/^\+CGMI:\s*/, '')
      .trim();
    const model = (await this.engine.send('AT+CGMM')).lines
      .join(' ')
      .replace(/^\+CGMM:\s*/, '')
      .trim();
    const cgmr = (await this.engine.send('AT+CGMR')).lines;
    const revision =
      this.#dialect.revision?.(cgmr) ??
      cgmr
        .join(' ')
        .replace(/^(\+CGMR:\s*|Revision:\s*)/i, '')
        .trim();
    const [cgsn = ''] = (await this.engine.send('AT+CGSN')).lines;
    const imei = parseCgsn(cgsn).value;
    if (/^\d{15}$/.test(imei) && !checkImei(imei).luhnValid) {
      this.engine.transcript.note(`IMEI ${imei} fails its Luhn check digit`);
    }
    return { manufacturer, model, revision, imei, ati };
  }

  async #lines(command: string, prefix: string): Promise<string[]> {
    const r = await this.engine.send(command);
    const lines = r.lines.filter((l) => l.startsWith(prefix));
    if (lines.length === 0) {
      throw new AtDeviceError(
        this.port,
        command,
        r.final,
        `OK without a ${prefix} line (got ${JSON.stringify(r.lines)})`,
        r.lines,
        this.engine.transcript.tail(),
      );
    }
    return lines;
  }

  #ctx(): DialectContext {
    return { engine: this.engine, clock: this.clock, port: this.port };
  }

  #files() {
    const f = this.#dialect.files;
    if (!f)
      throw new UnsupportedError(this.port, `the ${this.#dialect.id} dialect has no file system commands`);
    return f;
  }

  #mqtt() {
    const m = this.#dialect.mqtt;
    if (!m) throw new UnsupportedError(this.port, `the ${this.#dialect.id} dialect has no MQTT client`);
    return m;
  }

  #onUrc(u: Urc): void {
    try {
      switch (u.name) {
        case '+CEREG':
          this.emit('registration', parseCeregUrc(u.line));
          return;
        case '+CSCON':
          this.emit('rrc', { connected: parseCsconUrc(u.line).mode === 1, line: u.line });
          return;
        case '+CEDRXP':
          parseCedrxp(u.line);
          return;
        case '#XMBMSR':
          this.emit('mbms', parseMbmsService(u.line));
          return;
        case '#XMBMSFILE':
          this.emit('mbms-file', parseMbmsFile(u));
          return;
      }
      const ps = this.#dialect.powerSaveEvent?.(u);
      if (ps) this.emit('power-save', ps);
      const fota = this.#dialect.fota?.event(u);
      if (fota) this.emit('fota', fota);
      const msg = this.#dialect.mqtt?.message(u);
      if (msg) this.emit('mqtt-message', msg);
    } catch (e) {
      // A malformed URC is recorded, never thrown into the engine's read loop.
      this.engine.transcript.note(`unparsable ${u.name} URC: ${(e as Error).message}`);
    }
  }
}

export { decodeEdrxCycle };
