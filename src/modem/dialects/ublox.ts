import {
  AtDeviceError,
  type AtEngine,
  decodeGprsTimer2,
  decodeGprsTimer3,
  ParamReader,
  type Urc,
} from '../../at/index.ts';
import { atString, type Dialect, type DialectContext } from '../dialect.ts';
import { FotaError, ModemError, MqttError, UnsupportedError } from '../errors.ts';
import type { FileEntry, FotaEvent, MqttMessage, PowerSaveEvent, PsmTimers } from '../types.ts';

/**
 * u-blox SARA-R5 (SARA-R510M8S, R500S). Sources: SARA-R5 / SARA-R4 AT manuals (UBX-19047455,
 * UBX-17003787) as summarised in /work/shared/reference/at-modules.md §3.3, checked against the R4 manual
 * pages (+UCPSMS, +UPSMR, +UDWNFILE, +URDFILE, +ULSTFILE, +UDELFILE) and u-blox ubxlib (u_cell_mqtt.c,
 * u_cell_pwr.c: CFUN=16 on R5, +UCPSMS TAU format type, R5 MQTT read/publish/subscribe sequences).
 *
 * Unverified against an R5 manual page [M]: the +UUFWINSTALL codes between 101 and 127, whether +UFWPREVAL
 * comes before or after the OK of AT+UFWINSTALL, the exact line format of AT+UMQTTC=6 when it reads all
 * unread messages (ubxlib reads one at a time with AT+UMQTTC=6,1; the brief and reference use AT+UMQTTC=6),
 * and whether R5 firmware prints +UMQTTC: 9,<result> before OK (ubxlib ignores it and waits for +UUMQTTC: 9).
 * The module prints no boot banner (hardware/modules/ublox-sara-r5.yaml), so no URC here is a 'reboot'.
 */
const MODELS: readonly [RegExp, string][] = [[/SARA-R5\d\d/i, 'ublox-sara-r5']];

/** The firmware package of a FOAT update is stored under this tag; u-blox packages end in .dof. */
const FOAT_TAG = '"FOAT"';
const BROKER_TIMEOUT_MS = 60_000;

export const ublox: Dialect = {
  id: 'ublox',
  recognises: (id) => /u-blox/i.test(id.manufacturer) || /^SARA-R[45]/i.test(id.model),
  profileFor: (id) => MODELS.find(([re]) => re.test(id.model) || id.ati.some((l) => re.test(l)))?.[1],
  urcs: [
    { name: '+UUPSMR', match: { prefix: '+UUPSMR:' } },
    { name: '+UUFWINSTALL', match: { prefix: '+UUFWINSTALL:' } },
    { name: '+UFWPREVAL', match: { prefix: '+UFWPREVAL:' } },
    { name: '+UUMQTTC', match: { prefix: '+UUMQTTC:' } },
    // A message read with AT+UMQTTC=6 is delivered as a URC, so Modem hands it to mqtt.message().
    { name: '+UMQTTC', match: { prefix: '+UMQTTC:' }, isUrc: (l) => MQTT_READ_LINE.test(l) },
  ],
  setup: ['AT+UPSMR=1'],
  // SARA-R5 does not support CFUN=15 (ubxlib u_cell_pwr.c); 16 resets without resetting the SIM.
  rebootCommand: 'AT+CFUN=16',
  // SARA-R5 prints no boot line; ubxlib waits 6 s before talking to it again.
  bootWaitMs: 6000,

  /** `+UCPSMS: <mode>,[RAU],[READY],[<TAU>],[<Active-Time>][,<TAU format type>]`, values assigned by the network. */
  async readGrantedPsm(ctx): Promise<PsmTimers | undefined> {
    const line = await infoLine(ctx, 'AT+UCPSMS?', '+UCPSMS:');
    const r = ParamReader.of('+UCPSMS', line);
    r.countBetween(1, 6, '<mode>, four timers and the TAU format type');
    r.int(0, '<mode>', { min: 0, max: 1 });
    const tau = r.optBits(3, '<Assigned_Periodic_TAU>', 8);
    const active = r.optBits(4, '<Assigned_Active_Time>', 8);
    // 1 (or absent, as on some R4 firmware): T3412-extended (GPRS Timer 3); 0: legacy T3412 (GPRS Timer).
    const extended = (r.optInt(5, '<Assigned_Periodic_TAU_Format_Type>', { min: 0, max: 1 }) ?? 1) === 1;
    if (tau === undefined && active === undefined) return undefined;
    return {
      ...(tau ? { periodicTau: extended ? decodeGprsTimer3(tau) : decodeGprsTimer2(tau) } : {}),
      ...(active ? { activeTime: decodeGprsTimer2(active) } : {}),
    };
  },

  /** `+UUPSMR: <state>[,<client_id>]`: 0 out of PSM, 1 entering PSM, 2/3 a client blocks PSM / deep sleep. */
  powerSaveEvent(urc: Urc): PowerSaveEvent | undefined {
    if (urc.name !== '+UUPSMR') return undefined;
    const r = ParamReader.of('+UUPSMR', urc.line);
    const state = r.int(0, '<state>', { min: 0, max: 3 });
    if (state === 0) return { state: 'awake', source: urc.line };
    if (state === 1) return { state: 'psm', source: urc.line };
    const client = r.optInt(1, '<client_id>', { min: 0, max: 255 });
    const blocked = state === 3 ? 'PSM deep sleep' : 'PSM';
    return {
      state: 'psm-blocked',
      reason: `PSM client ${client ?? '?'} prevents ${blocked}`,
      source: urc.line,
    };
  },

  files: {
    /** One AT+UDWNFILE with a `>` prompt; a name ending in .dof goes under the FOAT tag for AT+UFWINSTALL. */
    async upload(ctx, name, bytes) {
      // UDWNFILE appends to an existing file: delete first, and a missing file is fine.
      await ctx.engine
        .send(`AT+UDELFILE=${atString(name, 'file name')}${tagOf(name)}`)
        .catch((e: unknown) => {
          if (!(e instanceof AtDeviceError)) throw e;
        });
      await ctx.engine.send(`AT+UDWNFILE=${atString(name, 'file name')},${bytes.length}${tagOf(name)}`, {
        prompt: { wait: ['>'], payload: bytes },
        timeoutMs: 30_000 + bytes.length / 5,
      });
    },

    /**
     * `+URDFILE: "<name>",<size>,"<data>"`: the data travels inside the line, so it is read raw by the
     * announced length (it may hold quotes, line breaks and `OK\r\n`).
     */
    async read(ctx, name) {
      const command = `AT+URDFILE=${atString(name, 'file name')}`;
      const r = await ctx.engine.send(command, {
        rawInline: (head) => {
          const m = /^\+URDFILE:\s*"[^"]*",(\d+),"$/.exec(head);
          return m ? Number(m[1]) : undefined;
        },
        timeoutMs: 60_000,
      });
      const [data] = r.payloads;
      if (data === undefined) {
        throw new ModemError(ctx.port, `${command}: no +URDFILE data in ${JSON.stringify(r.lines)}`);
      }
      return data;
    },

    async list(ctx) {
      const [names = ''] = await ctx.engine.query('AT+ULSTFILE=0');
      const entries: FileEntry[] = [];
      for (const p of names === '' ? [] : ParamReader.of('+ULSTFILE', `+ULSTFILE: ${names}`).params) {
        if (p.kind !== 'string') continue;
        const [size = ''] = await ctx.engine.query(`AT+ULSTFILE=2,${atString(p.value, 'file name')}`);
        entries.push({ name: p.value, size: Number(size) });
      }
      return entries;
    },

    async remove(ctx, name) {
      await ctx.engine.send(`AT+UDELFILE=${atString(name, 'file name')}${tagOf(name)}`);
    },
  },

  fota: {
    uploadTarget: 'update.dof',
    /** FOAT: the .dof is already on the module (files.upload puts it under the FOAT tag); install it. */
    async start(ctx, source) {
      if (/^[a-z]+:\/\//i.test(source)) {
        throw new UnsupportedError(
          ctx.port,
          `SARA-R5 FOAT installs a .dof uploaded over AT, not a URL (${source})`,
        );
      }
      try {
        await ctx.engine.send('AT+UFWINSTALL', { timeoutMs: 60_000 });
      } catch (e) {
        if (e instanceof AtDeviceError)
          throw new FotaError(ctx.port, `AT+UFWINSTALL for ${source} refused: ${e.message}`);
        throw e;
      }
    },

    /** `+UUFWINSTALL: <n>`: 1..100 progress, 128 success, above 100 otherwise an error code. */
    event(urc): FotaEvent | undefined {
      if (urc.name === '+UFWPREVAL') return { stage: 'installing', source: urc.line };
      if (urc.name !== '+UUFWINSTALL') return undefined;
      const n = ParamReader.of('+UUFWINSTALL', urc.line).int(0, '<progress/result>', { min: 0, max: 255 });
      if (n === 128) return { stage: 'done', source: urc.line };
      if (n <= 100) return { stage: 'installing', percent: n, source: urc.line };
      return { stage: 'failed', code: n, source: urc.line };
    },
  },

  mqtt: {
    async connect(ctx, o) {
      await profile(ctx, 0, atString(o.clientId, 'client id'));
      await profile(ctx, 2, `${atString(o.host, 'broker host')},${o.port}`);
      if (o.keepAliveS) await profile(ctx, 10, String(o.keepAliveS));
      if (o.username) {
        await profile(
          ctx,
          4,
          `${atString(o.username, 'username')},${atString(o.password ?? '', 'password')}`,
        );
      }
      const login = await mqttCommand(ctx, 1, '', 'login', 'broker');
      if (login !== 1)
        throw new MqttError(ctx.port, `login to ${o.host}:${o.port} failed: +UUMQTTC: 1,${login}`);
      startReadingMessages(ctx.engine);
    },

    async subscribe(ctx, topic, qos) {
      const result = await mqttCommand(
        ctx,
        4,
        `,${qos},${atString(topic, 'topic')}`,
        `subscribe to ${topic}`,
        'broker',
      );
      if (result !== 1) throw new MqttError(ctx.port, `subscribe to ${topic} failed: +UUMQTTC: 4,${result}`);
    },

    /** Binary publish: `AT+UMQTTC=9,<qos>,<retain>,"<topic>",<len>`, `>` prompt, then the bytes. */
    async publish(ctx, topic, payload, qos) {
      const args = `,${qos},0,${atString(topic, 'topic')},${payload.length}`;
      // ubxlib waits 50 ms after the prompt before writing the bytes.
      const result = await mqttCommand(ctx, 9, args, `publish to ${topic}`, 'either', {
        wait: ['>'],
        payload,
        delayMs: 50,
      });
      if (result !== 1)
        throw new MqttError(
          ctx.port,
          `publish of ${payload.length} bytes to ${topic} failed: result ${result}`,
        );
    },

    async disconnect(ctx) {
      stopReadingMessages(ctx.engine);
      const result = await mqttCommand(ctx, 0, '', 'logout', 'module');
      if (result === 0) throw new MqttError(ctx.port, 'logout failed: +UMQTTC: 0,0');
    },

    /** `+UMQTTC: 6,<qos>,<total_len>,<topic_len>,"<topic>",<msg_len>,"<msg>"` (the read response). */
    message(urc): MqttMessage | undefined {
      if (urc.name !== '+UMQTTC' || !MQTT_READ_LINE.test(urc.line)) return undefined;
      return parseMessageLine(urc.line);
    },
  },
};

const MQTT_READ_LINE = /^\+UMQTTC:\s*6,\d+,\d+,\d+,"/;

function parseMessageLine(line: string): MqttMessage {
  const m = /^\+UMQTTC:\s*6,\d+,\d+,(\d+),"/.exec(line);
  if (!m) throw new RangeError(`+UMQTTC: not a message read line: ${JSON.stringify(line)}`);
  const topicLen = Number(m[1]);
  let at = m[0].length;
  const topic = line.slice(at, at + topicLen);
  at += topicLen;
  const rest = /^",(\d+),"/.exec(line.slice(at));
  if (!rest)
    throw new RangeError(`+UMQTTC: topic is not ${topicLen} characters long in ${JSON.stringify(line)}`);
  const msgLen = Number(rest[1]);
  const message = line.slice(at + rest[0].length, -1);
  if (message.length !== msgLen || !line.endsWith('"')) {
    throw new RangeError(
      `+UMQTTC: message announced as ${msgLen} bytes, ${message.length} arrived (binary payloads do not survive the line framer)`,
    );
  }
  return { topic, payload: Buffer.from(message, 'latin1') };
}

/** `AT+UMQTT=<op>,<args>` → `+UMQTT: <op>,<result>`, 1 = success. */
async function profile(ctx: DialectContext, op: number, args: string): Promise<void> {
  const r = await ctx.engine.send(`AT+UMQTT=${op},${args}`);
  const result = resultOf(r.lines, '+UMQTT', op);
  if (result !== undefined && result !== 1)
    throw new MqttError(ctx.port, `AT+UMQTT=${op} failed: +UMQTT: ${op},${result}`);
}

/**
 * `AT+UMQTTC=<op>…` and its result (1 = success). The module may answer at once with `+UMQTTC: <op>,<result>`
 * (0 is a refusal); what the broker says comes later in `+UUMQTTC: <op>,<result>`. `verdict` says where the
 * result is read: 'broker' always waits for the URC, 'either' only when the module printed no result,
 * 'module' never. The URC wait starts before the command is sent, so a fast answer is not missed.
 */
async function mqttCommand(
  ctx: DialectContext,
  op: number,
  args: string,
  what: string,
  verdict: 'broker' | 'either' | 'module',
  prompt?: { wait: string[]; payload: Buffer; delayMs?: number },
): Promise<number | undefined> {
  const stop = new AbortController();
  const urc =
    verdict === 'module'
      ? undefined
      : ctx.engine.waitForUrc('+UUMQTTC', {
          predicate: (u) => opcodeOf(u.line) === op,
          timeoutMs: BROKER_TIMEOUT_MS,
          signal: stop.signal,
          what: `+UUMQTTC: ${op} (${what})`,
        });
  urc?.catch(() => {});
  try {
    const r = await ctx.engine.send(`AT+UMQTTC=${op}${args}`, {
      ...(prompt ? { prompt, timeoutMs: 30_000 + prompt.payload.length / 5 } : {}),
    });
    const immediate = resultOf(r.lines, '+UMQTTC', op);
    if (!urc || immediate === 0 || (verdict === 'either' && immediate !== undefined)) return immediate;
    return ParamReader.of('+UUMQTTC', (await urc).line).int(1, '<result>', { min: 0, max: 255 });
  } finally {
    stop.abort();
  }
}

function opcodeOf(line: string): number | undefined {
  const m = /^\+U?UMQTTC?:\s*(\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** `<prefix>: <op>,<result>` among the response lines, for this op. */
function resultOf(lines: readonly string[], prefix: string, op: number): number | undefined {
  const line = lines.find((l) => l.startsWith(`${prefix}:`) && opcodeOf(l) === op);
  return line === undefined
    ? undefined
    : ParamReader.of(prefix, line).int(1, '<result>', { min: 0, max: 255 });
}

/**
 * Incoming messages: `+UUMQTTC: 6,<unread>` only announces them; they are read with AT+UMQTTC=6, whose
 * lines the '+UMQTTC' URC spec above turns into URCs. One reader per engine, while connected.
 */
const readers = new WeakMap<AtEngine, { off: () => void }>();

function startReadingMessages(engine: AtEngine): void {
  stopReadingMessages(engine);
  let unread = 0;
  let reading = false;
  const drain = async () => {
    reading = true;
    try {
      while (unread > 0) {
        unread = 0;
        await engine.send('AT+UMQTTC=6');
      }
    } catch (e) {
      engine.transcript.note(`reading MQTT messages failed: ${(e as Error).message}`);
    } finally {
      reading = false;
    }
  };
  const off = engine.onUrc('+UUMQTTC', (u) => {
    // Runs in the engine's read path: anything but `+UUMQTTC: 6,<n>` is ignored, never thrown.
    const n = Number(/^\+UUMQTTC:\s*6,(\d+)$/.exec(u.line)?.[1] ?? Number.NaN);
    if (Number.isNaN(n)) return;
    unread = n;
    if (unread > 0 && !reading) void drain();
  });
  readers.set(engine, { off });
}

function stopReadingMessages(engine: AtEngine): void {
  readers.get(engine)?.off();
  readers.delete(engine);
}

/** The tag argument: firmware packages (.dof) live under FOAT, everything else under the default USER tag. */
function tagOf(name: string): string {
  return /\.dof$/i.test(name) ? `,${FOAT_TAG}` : '';
}

async function infoLine(ctx: DialectContext, command: string, prefix: string): Promise<string> {
  const r = await ctx.engine.send(command);
  const line = r.lines.find((l) => l.startsWith(prefix));
  if (line === undefined) {
    throw new ModemError(
      ctx.port,
      `${command} answered OK without a ${prefix} line (got ${JSON.stringify(r.lines)})`,
    );
  }
  return line;
}
