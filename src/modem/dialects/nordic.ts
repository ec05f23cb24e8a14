import {
  AtRebootError,
  decodeGprsTimer2,
  decodeGprsTimer3,
  type GprsTimer,
  ParamReader,
  type Urc,
} from '../../at/index.ts';
import { atString, type Dialect, type DialectContext } from '../dialect.ts';
import { ModemError, MqttError, UnsupportedError } from '../errors.ts';
import type { FotaEvent, MqttMessage, PowerSaveEvent, PsmTimers } from '../types.ts';

/**
 * Nordic nRF9160 running the Serial LTE Modem (SLM) application. Sources: nRF91 AT command reference
 * (%XMODEMSLEEP, %XMONITOR), the SLM documentation in sdk-nrf (Generic, FOTA, MQTT and data-mode AT commands)
 * and the SLM source (exit_datamode prints `#XDATAMODE: <result>`), as summarised in
 * /work/shared/reference/at-modules.md §3.4.
 *
 * SLM answers ATI and AT+CMEE=2 with ERROR (field log, TinyGSM #486): identification rests on +CGMI/+CGMM.
 * The boot banner is `Ready` (#XRESET page); the FOTA page shows `READY`, so both count as a reboot.
 * The MQTT commands follow the SLM version with #XMQTTCFG (client id there, not in #XMQTTCON).
 * Unverified [M]: echo default, and whether older SLM builds print the #XMQTTMSG message without the CRLF
 * between topic and message that the MQTT page shows.
 */
const MODELS: readonly [RegExp, string][] = [[/nRF9160/i, 'nordic-nrf9160']];

/**
 * %XMODEMSLEEP=<n>,<warning_time>,<threshold>: no pre-warning (0 ms, so a notification never means "about
 * to wake"), and the shortest threshold the modem takes (10.24 s), so short PSM sleeps on a test bench count.
 */
const MODEM_SLEEP_SUBSCRIBE = 'AT%XMODEMSLEEP=1,0,10240';
const PSM_SLEEP_TYPES = new Set([1, 7]); // 1 PSM, 7 proprietary PSM (nrf lte_lc tests)
const FOTA_TIMEOUT_MS = 30 * 60_000;
const BROKER_TIMEOUT_MS = 60_000;
/** #XMQTTPUB carries the message as a string parameter up to this size (larger needs SLM data mode). */
const MAX_INLINE_PAYLOAD = 1024;

export const nordic: Dialect = {
  id: 'nordic',
  recognises: (id) => /Nordic Semiconductor/i.test(id.manufacturer) || /^nRF91/i.test(id.model),
  profileFor: (id) => MODELS.find(([re]) => re.test(id.model))?.[1],
  urcs: [
    { name: 'Ready', match: { literal: 'Ready' }, kind: 'reboot' },
    { name: 'READY', match: { literal: 'READY' }, kind: 'reboot' },
    { name: '%XMODEMSLEEP', match: { prefix: '%XMODEMSLEEP:' } },
    // Progress is `<stage>,<status>[,<info>]`; the read forms of #XFOTA (op 6, 7) have other shapes.
    {
      name: '#XFOTA',
      match: { prefix: '#XFOTA:' },
      isUrc: (l) => /^#XFOTA:\s*[0-5],[0-3](,-?\d+)?$/.test(l),
    },
    { name: '#XMQTTEVT', match: { prefix: '#XMQTTEVT:' } },
    // `#XMQTTMSG: <topic_len>,<msg_len>` CRLF topic CRLF message: read as raw bytes after the line.
    {
      name: '#XMQTTMSG',
      match: { prefix: '#XMQTTMSG:' },
      rawLength: (l) => quietly(() => mqttMsgLengths(l).total),
    },
    { name: '#XDATAMODE', match: { prefix: '#XDATAMODE:' } },
    { name: '#XMODEM', match: { prefix: '#XMODEM:' } },
  ],
  setup: [MODEM_SLEEP_SUBSCRIBE],
  rebootCommand: 'AT#XRESET',

  /**
   * %XMONITOR fields 14-16 (1-based): Active-Time (GPRS Timer 2), Periodic-TAU-ext (GPRS Timer 3) and the
   * legacy Periodic-TAU (GPRS Timer, units as Timer 2), used when the extended timer is deactivated. A
   * module that is not registered prints only `%XMONITOR: <reg_status>`.
   */
  async readGrantedPsm(ctx): Promise<PsmTimers | undefined> {
    const r = await ctx.engine.send('AT%XMONITOR');
    const line = r.lines.find((l) => l.startsWith('%XMONITOR:'));
    if (line === undefined)
      throw new ModemError(ctx.port, `AT%XMONITOR answered OK without a %XMONITOR line`);
    const p = ParamReader.of('%XMONITOR', line);
    if (p.count < 15) return undefined;
    const active = p.optBits(13, '<Active-Time>', 8);
    const tauExt = p.optBits(14, '<Periodic-TAU-ext>', 8);
    const tauLegacy = p.optBits(15, '<Periodic-TAU>', 8);
    let periodicTau: GprsTimer | undefined = tauExt ? decodeGprsTimer3(tauExt) : undefined;
    if ((!periodicTau || periodicTau.deactivated) && tauLegacy) periodicTau = decodeGprsTimer2(tauLegacy);
    if (!periodicTau && !active) return undefined;
    return {
      ...(periodicTau ? { periodicTau } : {}),
      ...(active ? { activeTime: decodeGprsTimer2(active) } : {}),
    };
  },

  /** `%XMODEMSLEEP: <type>[,<ms>]`: ms 0 means the sleep ended; no ms means an endless sleep. */
  powerSaveEvent(urc: Urc): PowerSaveEvent | undefined {
    if (urc.name !== '%XMODEMSLEEP') return undefined;
    const r = ParamReader.of('%XMODEMSLEEP', urc.line);
    const type = r.int(0, '<type>', { min: 0, max: 255 });
    const ms = r.isEmpty(1) ? undefined : Number(r.params[1]?.raw);
    if (PSM_SLEEP_TYPES.has(type))
      return ms === 0 ? { state: 'awake', source: urc.line } : { state: 'psm', source: urc.line };
    if (type === 3)
      return { state: 'psm-blocked', reason: 'limited service (out of coverage)', source: urc.line };
    if (type === 5) return { state: 'awake', source: urc.line }; // sleep interrupted
    return undefined; // 2 RF inactivity / eDRX, 4 flight mode, 6 sleep resumed: not PSM transitions
  },

  // The SLM has no general file system over AT: files stay undefined (Modem reports UnsupportedError).

  fota: {
    // `#XFOTA: 5,0` comes once the module is back up after AT#XRESET.
    restartsAfterDone: false,
    /**
     * Modem delta update from an http(s) URL: AT#XFOTA=2,"<url>", wait for `#XFOTA: 4,0` (downloaded, to be
     * activated), then AT#XRESET as the FOTA page's example does; `#XFOTA: 5,0` after the boot ends it.
     * A failure URC ends the wait quietly: Modem sees the same URC through event() and reports it.
     */
    async start(ctx, source) {
      if (!/^https?:\/\//i.test(source)) {
        throw new UnsupportedError(
          ctx.port,
          `the SLM downloads firmware from an http(s) URL only, got ${JSON.stringify(source)}`,
        );
      }
      const stop = new AbortController();
      const downloaded = ctx.engine.waitForUrc('#XFOTA', {
        predicate: (u) =>
          quietly(() => {
            const s = fotaStatus(u.line);
            return s.status !== 0 || s.stage === 4;
          }) ?? false,
        timeoutMs: FOTA_TIMEOUT_MS,
        signal: stop.signal,
        what: '#XFOTA: 4,0 (image downloaded)',
      });
      downloaded.catch(() => {});
      try {
        await ctx.engine.send(`AT#XFOTA=2,${atString(source, 'firmware URL')}`, { timeoutMs: 30_000 });
        if (fotaStatus((await downloaded).line).status !== 0) return;
      } finally {
        stop.abort();
      }
      await ctx.engine.send('AT#XRESET', { timeoutMs: 15_000 }).catch((e: unknown) => {
        if (!(e instanceof AtRebootError)) throw e; // `Ready` before OK is the module restarting, as asked
      });
    },

    /** `#XFOTA: <stage>,<status>[,<info>]`; stage 1 info is the download percentage, status ≠ 0 a failure. */
    event(urc): FotaEvent | undefined {
      if (urc.name !== '#XFOTA') return undefined;
      const { stage, status, info } = fotaStatus(urc.line);
      if (status !== 0)
        return {
          stage: 'failed',
          ...(info !== undefined ? { code: info } : { code: status }),
          source: urc.line,
        };
      switch (stage) {
        case 1:
          return { stage: 'downloading', ...(info !== undefined ? { percent: info } : {}), source: urc.line };
        case 4:
          return { stage: 'installing', source: urc.line };
        case 5:
          return { stage: 'done', source: urc.line };
        default:
          return { stage: 'downloading', source: urc.line }; // 0 init, 2/3 erasing the DFU area
      }
    },
  },

  mqtt: {
    async connect(ctx, o) {
      await ctx.engine.send(`AT#XMQTTCFG=${atString(o.clientId, 'client id')},${o.keepAliveS ?? 60},1`);
      const user = atString(o.username ?? '', 'username');
      const password = atString(o.password ?? '', 'password');
      const result = await withEvent(ctx, 0, `connect to ${o.host}:${o.port}`, () =>
        ctx.engine.send(`AT#XMQTTCON=1,${user},${password},${atString(o.host, 'broker host')},${o.port}`),
      );
      if (result !== 0)
        throw new MqttError(ctx.port, `connect to ${o.host}:${o.port} failed: #XMQTTEVT: 0,${result}`);
    },

    async subscribe(ctx, topic, qos) {
      const result = await withEvent(ctx, 7, `subscribe to ${topic}`, () =>
        ctx.engine.send(`AT#XMQTTSUB=${atString(topic, 'topic')},${qos}`),
      );
      if (result !== 0) throw new MqttError(ctx.port, `subscribe to ${topic} failed: #XMQTTEVT: 7,${result}`);
    },

    /**
     * The message travels as the string parameter of #XMQTTPUB (the MQTT page's first example). Payloads
     * that cannot (binary, quotes, over 1024 bytes) need SLM data mode, which ends in `#XDATAMODE: 0` rather
     * than a final result and so does not fit AtEngine.send: they are refused with the reason.
     */
    async publish(ctx, topic, payload, qos) {
      if (
        payload.length > MAX_INLINE_PAYLOAD ||
        !payload.every((b) => b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c)
      ) {
        throw new MqttError(
          ctx.port,
          `publish to ${topic}: ${payload.length} bytes with binary, quote or backslash content or over ${MAX_INLINE_PAYLOAD} bytes need SLM data mode, which the controller does not drive yet`,
        );
      }
      const command = `AT#XMQTTPUB=${atString(topic, 'topic')},"${payload.toString('latin1')}",${qos},0`;
      if (qos === 0) {
        await ctx.engine.send(command);
        return;
      }
      const result = await withEvent(ctx, 3, `publish to ${topic}`, () => ctx.engine.send(command));
      if (result !== 0) throw new MqttError(ctx.port, `publish to ${topic} failed: #XMQTTEVT: 3,${result}`);
    },

    async disconnect(ctx) {
      await withEvent(ctx, 1, 'disconnect', () => ctx.engine.send('AT#XMQTTCON=0'));
    },

    message(urc): MqttMessage | undefined {
      if (urc.name !== '#XMQTTMSG' || !urc.payload) return undefined;
      const { topic: topicLen } = mqttMsgLengths(urc.line);
      const bytes = urc.payload;
      if (bytes[topicLen] !== 0x0d || bytes[topicLen + 1] !== 0x0a) {
        throw new RangeError(
          `#XMQTTMSG: no CRLF after the ${topicLen}-byte topic in ${JSON.stringify(bytes.toString('latin1'))}`,
        );
      }
      return {
        topic: bytes.subarray(0, topicLen).toString('utf8'),
        payload: Buffer.from(bytes.subarray(topicLen + 2)),
      };
    },
  },
};

function fotaStatus(line: string): { stage: number; status: number; info?: number } {
  const r = ParamReader.of('#XFOTA', line);
  const stage = r.int(0, '<fota_stage>', { min: 0, max: 5 });
  const status = r.int(1, '<fota_status>', { min: 0, max: 3 });
  const info = r.optInt(2, '<fota_info>', { min: -(2 ** 31), max: 2 ** 32 });
  return { stage, status, ...(info !== undefined ? { info } : {}) };
}

/** Lengths of `#XMQTTMSG: <topic_length>,<message_length>`; the raw part is topic, CRLF, message. */
function mqttMsgLengths(line: string): { topic: number; message: number; total: number } {
  const r = ParamReader.of('#XMQTTMSG', line);
  const topic = r.int(0, '<topic_length>', { min: 0, max: 65535 });
  const message = r.int(1, '<message_length>', { min: 0, max: 1 << 20 });
  return { topic, message, total: topic + 2 + message };
}

/** Run a command and return the result of the `#XMQTTEVT: <evt>,<result>` it causes (0 = success). */
async function withEvent(
  ctx: DialectContext,
  evt: number,
  what: string,
  send: () => Promise<unknown>,
): Promise<number> {
  const stop = new AbortController();
  const event = ctx.engine.waitForUrc('#XMQTTEVT', {
    predicate: (u) =>
      quietly(() => ParamReader.of('#XMQTTEVT', u.line).int(0, '<evt_type>', { min: 0, max: 255 })) === evt,
    timeoutMs: BROKER_TIMEOUT_MS,
    signal: stop.signal,
    what: `#XMQTTEVT: ${evt} (${what})`,
  });
  event.catch(() => {});
  try {
    await send();
    return ParamReader.of('#XMQTTEVT', (await event).line).int(1, '<result>', {
      min: -(2 ** 31),
      max: 2 ** 31,
    });
  } finally {
    stop.abort();
  }
}

/** For code that runs inside the engine's read path (predicates, rawLength): a malformed line is no match. */
function quietly<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
