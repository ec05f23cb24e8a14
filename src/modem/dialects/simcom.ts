import {
  AtDeviceError,
  decodeGprsTimer2,
  decodeGprsTimer3,
  encodeGprsTimer2,
  encodeGprsTimer3,
  type GprsTimer,
  type Param,
  ParamReader,
  type Urc,
} from '../../at/index.ts';
import { atString, type Dialect, type DialectContext } from '../dialect.ts';
import { ModemError, MqttError, UnsupportedError } from '../errors.ts';
import type { FotaEvent, MqttMessage, PowerSaveEvent, PsmTimers } from '../types.ts';

/**
 * SIMCom SIM7080G (Qualcomm MDM9205). Sources: SIM7080 AT manual as summarised in
 * /work/shared/reference/at-modules.md §3.5 [D], field logs and host drivers for the exact response shapes
 * (+CPSMRDP, +CFSRFILE, +CFSGFIS), SIM7000-series FOTA application note via the Kampi ESP32-SIM70XX driver.
 *
 * Unverified [M]: AT+CFOTA=1 and its texts on the SIM7080 (no SIM7080 manual page seen), the package location
 * it expects (/fota/, as the HTTPTOFS example writes), the *-VOLTAGE POWER DOWN lines (SIM7000 family), the
 * AT+SMPUB size limit, and whether SMCONN needs AT+CNACT=0,1 first (it does on real modules; the brief's
 * sequence leaves it to the bench, so connect() does not send it).
 */
const MODELS: readonly [RegExp, string][] = [[/SIM7080/i, 'simcom-sim7080g']];

/** CFSWFILE/CFSRFILE move at most this many bytes per command. */
const FS_CHUNK = 10_240;
/** <inputtime> of AT+CFSWFILE, ms: the longest the module waits for the bytes after DOWNLOAD. */
const FS_INPUT_MS = 10_000;
const FS_DIRS: Record<string, number> = { custapp: 0, fota: 1, datatx: 2, customer: 3 };
const FOTA_PACKAGE = '/fota/update.zip';

export const simcom: Dialect = {
  id: 'simcom',
  recognises: (id) => /SIMCOM/i.test(id.manufacturer) || /SIM70[0-9]0/i.test(id.model),
  profileFor: (id) => MODELS.find(([re]) => re.test(id.model))?.[1],
  urcs: [
    { name: 'RDY', match: { literal: 'RDY' }, kind: 'reboot' },
    { name: 'SMS Ready', match: { literal: 'SMS Ready' } },
    { name: 'NORMAL POWER DOWN', match: { literal: 'NORMAL POWER DOWN' }, kind: 'power-down' },
    { name: 'UNDER-VOLTAGE POWER DOWN', match: { literal: 'UNDER-VOLTAGE POWER DOWN' }, kind: 'power-down' },
    { name: 'OVER-VOLTAGE POWER DOWN', match: { literal: 'OVER-VOLTAGE POWER DOWN' }, kind: 'power-down' },
    // The URC carries a quoted text; the read response of AT+CPSMSTATUS? a bare number.
    { name: '+CPSMSTATUS', match: { prefix: '+CPSMSTATUS:' }, isUrc: (l) => l.includes('"') },
    { name: '+CFOTA', match: { prefix: '+CFOTA:' }, isUrc: (l) => /^\+CFOTA:\s*"/.test(l) },
    { name: '+HTTPTOFS', match: { prefix: '+HTTPTOFS:' }, isUrc: (l) => /^\+HTTPTOFS:\s*\d+,\d+$/.test(l) },
    { name: '+SMSUB', match: { prefix: '+SMSUB:' }, isUrc: (l) => /^\+SMSUB:\s*"/.test(l) },
    { name: '+SMSTATE', match: { prefix: '+SMSTATE:' } },
    { name: '+APP PDP', match: { prefix: '+APP PDP:' } },
  ],
  setup: ['AT+CPSMSTATUS=1'],
  rebootCommand: 'AT+CFUN=1,1',

  /**
   * `+CPSMRDP: <mode>,<req Active-Time>,<req Periodic-TAU>,<NW Active-Time>,<NW T3412-ext>,<NW T3412>`.
   * Field logs show the values in seconds (`+CPSMRDP: 0,20,14400,0,0,3600`); 8-bit strings are read as
   * 24.008 octets too. Seconds become the octet with the finest unit for that time, which may differ in
   * bits (not in time) from what the network sent. Mode 0 means no PSM in use: nothing granted here.
   */
  async readGrantedPsm(ctx): Promise<PsmTimers | undefined> {
    const r = await ctx.engine.send('AT+CPSMRDP');
    const line = r.lines.find((l) => l.startsWith('+CPSMRDP:'));
    if (line === undefined) throw new ModemError(ctx.port, `AT+CPSMRDP answered OK without a +CPSMRDP line`);
    const p = ParamReader.of('+CPSMRDP', line);
    p.countBetween(1, 6, '<mode> and five timers');
    if (p.int(0, '<mode>', { min: 0, max: 1 }) === 0 || p.count < 6) return undefined;
    const active = timerField(p, 3, '<NW_Active-Time>', 2);
    const tauExt = timerField(p, 4, '<NW_T3412_ext>', 3);
    const tauLegacy = timerField(p, 5, '<NW_T3412>', 2);
    // The legacy T3412 counts when the extended timer is absent (0 s in the seconds form) or deactivated.
    const periodicTau = running(tauExt) ? tauExt : running(tauLegacy) ? tauLegacy : tauExt;
    return { ...(periodicTau ? { periodicTau } : {}), ...(active ? { activeTime: active } : {}) };
  },

  /** `+CPSMSTATUS: "ENTER PSM"` / `"EXIT PSM"` after AT+CPSMSTATUS=1. */
  powerSaveEvent(urc: Urc): PowerSaveEvent | undefined {
    if (urc.name !== '+CPSMSTATUS') return undefined;
    if (/"ENTER PSM"/i.test(urc.line)) return { state: 'psm', source: urc.line };
    if (/"EXIT PSM"/i.test(urc.line)) return { state: 'awake', source: urc.line };
    return undefined;
  },

  /**
   * Names may carry a directory (`/fota/update.zip`, `/customer/report.json`); a bare name goes to
   * /customer/. Every operation runs between AT+CFSINIT and AT+CFSTERM.
   */
  files: {
    async upload(ctx, name, bytes) {
      const { dir, file } = fsPath(name);
      if (bytes.length === 0) throw new RangeError(`${name}: AT+CFSWFILE cannot write an empty file`);
      await withFs(ctx, async () => {
        for (let at = 0; at < bytes.length; at += FS_CHUNK) {
          const chunk = bytes.subarray(at, at + FS_CHUNK);
          const mode = at === 0 ? 0 : 1; // overwrite, then append
          await ctx.engine.send(`AT+CFSWFILE=${dir},${file},${mode},${chunk.length},${FS_INPUT_MS}`, {
            prompt: { wait: ['DOWNLOAD'], payload: chunk },
            timeoutMs: FS_INPUT_MS + 10_000,
          });
        }
      });
    },

    /** `+CFSRFILE: <n>` then n raw bytes, in chunks at increasing <position> (mode 1 after the first). */
    async read(ctx, name) {
      const { dir, file } = fsPath(name);
      return withFs(ctx, async () => {
        const size = await fileSize(ctx, dir, file);
        const parts: Buffer[] = [];
        for (let at = 0; at < size; at += FS_CHUNK) {
          const n = Math.min(FS_CHUNK, size - at);
          const r = await ctx.engine.send(`AT+CFSRFILE=${dir},${file},${at === 0 ? 0 : 1},${n},${at}`, {
            rawAfter: (l) => (l.startsWith('+CFSRFILE:') ? Number(l.slice(10).trim()) : undefined),
            timeoutMs: 30_000,
          });
          parts.push(...r.payloads);
        }
        const data = Buffer.concat(parts);
        if (data.length !== size)
          throw new ModemError(ctx.port, `${name}: +CFSGFIS said ${size} bytes, read ${data.length}`);
        return data;
      });
    },

    async list(ctx) {
      throw new UnsupportedError(
        ctx.port,
        'the SIM7080G has no directory listing command (AT+CFSGFIS asks for one name)',
      );
    },

    async remove(ctx, name) {
      const { dir, file } = fsPath(name);
      await withFs(ctx, () => ctx.engine.send(`AT+CFSDFILE=${dir},${file}`));
    },
  },

  fota: {
    uploadTarget: FOTA_PACKAGE,
    /**
     * Local delta update with AT+CFOTA=1 from the package in /fota/. A URL is first fetched there with
     * AT+HTTPTOFS; a failed download ends quietly, since Modem already sees the failure through event().
     */
    async start(ctx, source) {
      if (/^https?:\/\//i.test(source)) {
        await ensureAppNetwork(ctx);
        const stop = new AbortController();
        const fetched = ctx.engine.waitForUrc('+HTTPTOFS', { timeoutMs: 30 * 60_000, signal: stop.signal });
        fetched.catch(() => {});
        try {
          await ctx.engine.send(`AT+HTTPTOFS=${atString(source, 'firmware URL')},"${FOTA_PACKAGE}"`, {
            timeoutMs: 30_000,
          });
          if (httpStatus((await fetched).line) !== 200) return;
        } finally {
          stop.abort();
        }
      }
      await ctx.engine.send('AT+CFOTA=1', { timeoutMs: 30_000 });
    },

    event(urc): FotaEvent | undefined {
      if (urc.name === '+HTTPTOFS') {
        const status = httpStatus(urc.line);
        return status === 200
          ? { stage: 'downloading', percent: 100, source: urc.line }
          : { stage: 'failed', code: status, source: urc.line };
      }
      if (urc.name !== '+CFOTA') return undefined;
      const r = ParamReader.of('+CFOTA', urc.line);
      const text = r.str(0, '<status text>');
      if (/^Updating$/i.test(text)) {
        const percent = r.optInt(1, '<percent>', { min: 0, max: 100 });
        return { stage: 'installing', ...(percent !== undefined ? { percent } : {}), source: urc.line };
      }
      if (/^Start to update/i.test(text)) return { stage: 'installing', percent: 0, source: urc.line };
      if (/success/i.test(text)) return { stage: 'done', source: urc.line };
      if (/fail|no update/i.test(text)) return { stage: 'failed', source: urc.line };
      return undefined;
    },
  },

  mqtt: {
    async connect(ctx, o) {
      const conf = (key: string, value: string) => ctx.engine.send(`AT+SMCONF="${key}",${value}`);
      try {
        await conf('URL', `${atString(o.host, 'broker host')},${o.port}`);
        await conf('CLIENTID', atString(o.clientId, 'client id'));
        if (o.keepAliveS) await conf('KEEPTIME', String(o.keepAliveS));
        if (o.username) await conf('USERNAME', atString(o.username, 'username'));
        if (o.password) await conf('PASSWORD', atString(o.password, 'password'));
        await ensureAppNetwork(ctx);
        await ctx.engine.send('AT+SMCONN', { timeoutMs: 60_000 });
      } catch (e) {
        if (e instanceof AtDeviceError)
          throw new MqttError(ctx.port, `connect to ${o.host}:${o.port} failed: ${e.message}`);
        throw e;
      }
    },

    async subscribe(ctx, topic, qos) {
      await ctx.engine.send(`AT+SMSUB=${atString(topic, 'topic')},${qos}`, { timeoutMs: 30_000 });
    },

    /** `AT+SMPUB="<topic>",<len>,<qos>,<retain>`, `>` prompt, then the bytes; OK once sent. */
    async publish(ctx, topic, payload, qos) {
      await ctx.engine.send(`AT+SMPUB=${atString(topic, 'topic')},${payload.length},${qos},0`, {
        prompt: { wait: ['>'], payload },
        timeoutMs: 30_000 + payload.length / 5,
      });
    },

    async disconnect(ctx) {
      await ctx.engine.send('AT+SMDISC', { timeoutMs: 30_000 });
    },

    /**
     * `+SMSUB: "<topic>","<payload>"`: the payload sits inside the line (no length), so it is everything
     * between the third quote and the last one; bytes the line framer drops cannot be recovered.
     */
    message(urc): MqttMessage | undefined {
      if (urc.name !== '+SMSUB') return undefined;
      const m = /^\+SMSUB:\s*"([^"]*)","(.*)"$/.exec(urc.line);
      if (!m) throw new RangeError(`+SMSUB: expected "<topic>","<payload>" in ${JSON.stringify(urc.line)}`);
      return { topic: m[1]!, payload: Buffer.from(m[2]!, 'latin1') };
    },
  },
};

/** `/fota/x.bin` → dir 1, `"x.bin"`; a bare name → /customer/ (3). */
function fsPath(name: string): { dir: number; file: string } {
  const m = /^\/([a-z]+)\/([^/]+)$/.exec(name);
  if (m) {
    const dir = FS_DIRS[m[1]!];
    if (dir === undefined) {
      throw new RangeError(`${name}: SIM7080G directories are /${Object.keys(FS_DIRS).join('/, /')}/`);
    }
    return { dir, file: atString(m[2]!, 'file name') };
  }
  if (name.includes('/')) throw new RangeError(`${name}: expected a bare name or /<dir>/<name>`);
  return { dir: FS_DIRS.customer!, file: atString(name, 'file name') };
}

/** AT+CFSINIT … AT+CFSTERM; a buffer left open by an earlier session is closed and opened again. */
async function withFs<T>(ctx: DialectContext, work: () => Promise<T>): Promise<T> {
  try {
    await ctx.engine.send('AT+CFSINIT');
  } catch (e) {
    if (!(e instanceof AtDeviceError)) throw e;
    await ctx.engine.send('AT+CFSTERM');
    await ctx.engine.send('AT+CFSINIT');
  }
  try {
    return await work();
  } finally {
    await ctx.engine.send('AT+CFSTERM').catch(() => {});
  }
}

async function fileSize(ctx: DialectContext, dir: number, file: string): Promise<number> {
  const [size] = await ctx.engine.query(`AT+CFSGFIS=${dir},${file}`);
  if (size === undefined || !/^\d+$/.test(size)) {
    throw new ModemError(ctx.port, `AT+CFSGFIS=${dir},${file}: no size in the answer`);
  }
  return Number(size);
}

function httpStatus(line: string): number {
  return ParamReader.of('+HTTPTOFS', line).int(0, '<http status>', { min: 0, max: 999 });
}

/** A +CPSMRDP timer: a quoted or bare 8-bit string is an octet, any other number a time in seconds. */
function timerField(p: ParamReader, index: number, name: string, timer: 2 | 3): GprsTimer | undefined {
  if (p.isEmpty(index)) return undefined;
  const param = p.params[index] as Param;
  const text = param.kind === 'string' ? param.value : param.raw;
  if (/^[01]{8}$/.test(text)) return timer === 3 ? decodeGprsTimer3(text) : decodeGprsTimer2(text);
  const seconds = p.int(index, `${name} in seconds`, { min: 0, max: 35_712_000 });
  let encoded: GprsTimer | undefined;
  try {
    encoded = timer === 3 ? encodeGprsTimer3(seconds) : encodeGprsTimer2(seconds);
  } catch {
    encoded = undefined; // longer than the timer can express
  }
  if (encoded?.seconds !== seconds) p.fail(`${name} as seconds a GPRS Timer ${timer} can express`, index);
  return encoded;
}

function running(t: GprsTimer | undefined): t is GprsTimer {
  return t !== undefined && !t.deactivated && t.seconds !== 0;
}

/**
 * MQTT and HTTP on the SIM7080 run over its application network, which must be activated on its own
 * (AT+CNACT=0,1 → +APP PDP: 0,ACTIVE) after registration; AT+SMCONN and AT+HTTPTOFS fail without it.
 */
async function ensureAppNetwork(ctx: DialectContext): Promise<void> {
  const states = await ctx.engine.query('AT+CNACT?');
  if (states.some((l) => /^0,1\b/.test(l))) return;
  const active = ctx.engine.waitForUrc('+APP PDP', {
    timeoutMs: 30_000,
    predicate: (u) => /^\+APP PDP:\s*0,ACTIVE/.test(u.line),
    what: '+APP PDP: 0,ACTIVE',
  });
  active.catch(() => {});
  await ctx.engine.send('AT+CNACT=0,1', { timeoutMs: 30_000 });
  await active;
}
