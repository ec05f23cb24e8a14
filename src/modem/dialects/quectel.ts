import { AtDeviceError, splitParams, type Urc } from '../../at/index.ts';
import { atString, type Dialect, type DialectContext } from '../dialect.ts';
import { MqttError } from '../errors.ts';
import type { FileEntry, FotaEvent, MqttMessage, PowerSaveEvent } from '../types.ts';

/**
 * Quectel BG95 / BG96 (Qualcomm MDM920x) and BC66 (MediaTek MT2625). Sources: BG96/BG95 AT and
 * application notes (file, MQTT, DFOTA) as summarised in ../shared/reference/at-modules.md §3.1-3.2.
 */
const MODELS: readonly [RegExp, string][] = [
  [/BG95/i, 'quectel-bg95'],
  [/BG96/i, 'quectel-bg96'],
  [/BC66/i, 'quectel-bc66'],
];

const MQTT_CLIENT = 0;

export const quectel: Dialect = {
  id: 'quectel',
  recognises: (id) => /quectel/i.test(id.manufacturer) || /quectel/i.test(id.ati[0] ?? ''),
  profileFor: (id) => MODELS.find(([re]) => re.test(id.model) || id.ati.some((l) => re.test(l)))?.[1],
  urcs: [
    { name: 'RDY', match: { literal: 'RDY' }, kind: 'reboot' },
    // BC66 prints no RDY: its boot ROM's last line is the boot marker (garbage before it is discarded).
    { name: 'Leaving the BROM', match: { literal: 'Leaving the BROM' }, kind: 'reboot' },
    { name: 'APP RDY', match: { literal: 'APP RDY' } },
    { name: 'POWERED DOWN', match: { literal: 'POWERED DOWN' }, kind: 'power-down' },
    { name: 'NORMAL POWER DOWN', match: { literal: 'NORMAL POWER DOWN' }, kind: 'power-down' },
    { name: 'PSM POWER DOWN', match: { literal: 'PSM POWER DOWN' }, kind: 'power-down' },
    { name: '+QPSMTIMER', match: { prefix: '+QPSMTIMER:' } },
    { name: '+QIND', match: { prefix: '+QIND:' } },
    { name: '+QUSIM', match: { prefix: '+QUSIM:' } },
    { name: '+QATWAKEUP', match: { literal: '+QATWAKEUP' } },
    { name: '+QMTOPEN', match: { prefix: '+QMTOPEN:' }, isUrc: (l) => /^\+QMTOPEN:\s*\d+,-?\d+$/.test(l) },
    {
      name: '+QMTCONN',
      match: { prefix: '+QMTCONN:' },
      isUrc: (l) => /^\+QMTCONN:\s*\d+,\d+(,\d+)?$/.test(l),
    },
    { name: '+QMTSUB', match: { prefix: '+QMTSUB:' } },
    { name: '+QMTPUB', match: { prefix: '+QMTPUB:' } },
    { name: '+QMTDISC', match: { prefix: '+QMTDISC:' } },
    { name: '+QMTRECV', match: { prefix: '+QMTRECV:' } },
    { name: '+QMTSTAT', match: { prefix: '+QMTSTAT:' } },
  ],
  setup: ['AT+QCFG="psm/urc",1'],
  rebootCommand: 'AT+CFUN=1,1',

  powerSaveEvent(urc: Urc): PowerSaveEvent | undefined {
    if (urc.name === '+QPSMTIMER') {
      const [tau, active] = numbers(urc.line);
      return { state: 'entering-psm', periodicTauS: tau, activeTimeS: active, source: urc.line };
    }
    if (urc.name === 'PSM POWER DOWN') return { state: 'psm', source: urc.line };
    if (urc.name === 'RDY' || urc.name === '+QATWAKEUP') return { state: 'awake', source: urc.line };
    return undefined;
  },

  files: {
    async upload(ctx, name, bytes) {
      // QFUPL refuses a name that exists ("file already existed"): replace it, as an upload means to.
      await ctx.engine.send(`AT+QFDEL=${atString(`UFS:${name}`, 'file name')}`).catch((e: unknown) => {
        if (!(e instanceof AtDeviceError)) throw e;
      });
      await ctx.engine.send(`AT+QFUPL=${atString(`UFS:${name}`, 'file name')},${bytes.length},60`, {
        prompt: { wait: ['CONNECT'], payload: bytes },
        timeoutMs: 60_000 + bytes.length / 10,
      });
    },
    async read(ctx, name) {
      const size = (await this.list(ctx)).find((f) => f.name === name)?.size;
      if (size === undefined) throw new Error(`port ${ctx.port}: no file "${name}" on the module`);
      const r = await ctx.engine.send(`AT+QFDWL=${atString(`UFS:${name}`, 'file name')}`, {
        rawAfter: (l) => (l.startsWith('CONNECT') ? size : undefined),
        timeoutMs: 60_000 + size / 10,
      });
      return Buffer.concat(r.payloads);
    },
    async list(ctx) {
      const lines = await ctx.engine.query('AT+QFLST="UFS:*"');
      return lines.map((l): FileEntry => {
        const [name, size] = splitValues(l);
        return { name: String(name).replace(/^UFS:/, ''), size: Number(size) };
      });
    },
    async remove(ctx, name) {
      await ctx.engine.send(`AT+QFDEL=${atString(`UFS:${name}`, 'file name')}`);
    },
  },

  fota: {
    uploadTarget: 'fw.bin',
    async start(ctx, source) {
      const target = /^[a-z]+:\/\//i.test(source) ? source : `UFS:${source}`;
      await ctx.engine.send(`AT+QFOTADL=${atString(target, 'FOTA source')}`, { timeoutMs: 30_000 });
    },
    event(urc): FotaEvent | undefined {
      if (urc.name !== '+QIND') return undefined;
      const v = splitValues(urc.line.slice('+QIND:'.length));
      if (v[0] !== 'FOTA') return undefined;
      const stage = String(v[1]);
      const n = v[2] === undefined ? undefined : Number(v[2]);
      switch (stage) {
        case 'HTTPSTART':
        case 'FTPSTART':
          return { stage: 'downloading', source: urc.line };
        case 'HTTPEND':
        case 'FTPEND':
          return n === 0 || n === undefined
            ? { stage: 'downloading', percent: 100, source: urc.line }
            : { stage: 'failed', code: n, source: urc.line };
        case 'START':
          return { stage: 'installing', percent: 0, source: urc.line };
        case 'UPDATING':
        case 'RESTORE':
          return { stage: 'installing', ...(n === undefined ? {} : { percent: n }), source: urc.line };
        case 'END':
          return n === 0
            ? { stage: 'done', source: urc.line }
            : { stage: 'failed', ...(n === undefined ? {} : { code: n }), source: urc.line };
        default:
          return undefined;
      }
    },
  },

  mqtt: {
    async connect(ctx, o) {
      await ctx.engine.send(`AT+QMTCFG="version",${MQTT_CLIENT},4`);
      if (o.keepAliveS) await ctx.engine.send(`AT+QMTCFG="keepalive",${MQTT_CLIENT},${o.keepAliveS}`);
      const opened = waitResult(ctx, '+QMTOPEN', 75_000);
      await ctx.engine.send(`AT+QMTOPEN=${MQTT_CLIENT},${atString(o.host, 'broker host')},${o.port}`);
      const [, openResult] = numbers((await opened).line);
      if (openResult !== 0)
        throw new MqttError(
          ctx.port,
          `+QMTOPEN failed with result ${openResult} (broker ${o.host}:${o.port})`,
        );
      const connected = waitResult(ctx, '+QMTCONN', 30_000);
      const creds = o.username
        ? `,${atString(o.username, 'username')},${atString(o.password ?? '', 'password')}`
        : '';
      await ctx.engine.send(`AT+QMTCONN=${MQTT_CLIENT},${atString(o.clientId, 'client id')}${creds}`);
      const [, result, code] = numbers((await connected).line);
      if (result !== 0 || (code ?? 0) !== 0) {
        throw new MqttError(ctx.port, `+QMTCONN failed: result ${result}, return code ${code}`);
      }
    },
    async subscribe(ctx, topic, qos) {
      const done = waitResult(ctx, '+QMTSUB', 30_000);
      await ctx.engine.send(`AT+QMTSUB=${MQTT_CLIENT},1,${atString(topic, 'topic')},${qos}`);
      const [, , result] = numbers((await done).line);
      if (result !== 0) throw new MqttError(ctx.port, `subscribe to ${topic} failed: ${(await done).line}`);
    },
    async publish(ctx, topic, payload, qos) {
      const msgId = qos === 0 ? 0 : 1;
      const done = waitResult(ctx, '+QMTPUB', 30_000);
      await ctx.engine.send(
        `AT+QMTPUB=${MQTT_CLIENT},${msgId},${qos},0,${atString(topic, 'topic')},${payload.length}`,
        {
          prompt: { wait: ['>'], payload },
        },
      );
      const [, , result] = numbers((await done).line);
      if (result !== 0) throw new MqttError(ctx.port, `publish to ${topic} failed: ${(await done).line}`);
    },
    async disconnect(ctx) {
      const done = waitResult(ctx, '+QMTDISC', 30_000);
      await ctx.engine.send(`AT+QMTDISC=${MQTT_CLIENT}`);
      await done;
    },
    message(urc): MqttMessage | undefined {
      if (urc.name !== '+QMTRECV') return undefined;
      const v = splitValues(urc.line.slice('+QMTRECV:'.length));
      // +QMTRECV: <client>,<msgid>,"<topic>"[,<len>],"<payload>"
      const topic = String(v[2]);
      const payload = String(v[v.length - 1]);
      return { topic, payload: Buffer.from(payload, 'latin1') };
    },
  },
};

/** Wait for the result URC of an asynchronous Quectel command (registered before the command is sent). */
function waitResult(ctx: DialectContext, name: string, timeoutMs: number): Promise<Urc> {
  const p = ctx.engine.waitForUrc(name, { timeoutMs, what: `${name} result` });
  p.catch(() => {}); // observed by the caller's await; a failing send must not leave it unhandled
  return p;
}

function numbers(line: string): (number | undefined)[] {
  return splitValues(line.slice(line.indexOf(':') + 1)).map((v) =>
    v === undefined || v === '' ? undefined : Number(v),
  );
}

/** Parameters of an information line as plain values (quotes removed). */
function splitValues(text: string): (string | number | undefined)[] {
  return splitParams(text.trim()).map((p) => {
    switch (p.kind) {
      case 'number':
        return p.value;
      case 'string':
      case 'token':
        return p.value;
      default:
        return undefined;
    }
  });
}
