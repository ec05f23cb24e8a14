/**
 * Quectel MQTT (AT+QMT*), mapped onto the core MQTT bridge (a real client to a real broker).
 * Source: at-modules.md §3.1 (BG96/BG95 MQTT application note, D). Result URCs follow the command's
 * OK: +QMTOPEN, +QMTCONN, +QMTSUB, +QMTUNS, +QMTPUB, +QMTDISC, +QMTCLOSE; incoming messages arrive
 * as +QMTRECV, a lost link as +QMTSTAT.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, type Outcome } from '../module/results.ts';

const CLIENTS = 6;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
const MAX_TEXT_PAYLOAD = 1548;

interface ClientConfig {
  version: 3 | 4;
  keepaliveS: number;
  cleanSession: boolean;
  packetTimeoutS: number;
  retries: number;
  timeoutNotice: boolean;
  will?: { qos: 0 | 1 | 2; retain: boolean; topic: string; message: string };
  recvMode: 0 | 1;
  recvLength: boolean;
}

function defaultConfig(): ClientConfig {
  return {
    version: 4,
    keepaliveS: 120,
    cleanSession: true,
    packetTimeoutS: 5,
    retries: 3,
    timeoutNotice: false,
    recvMode: 0,
    recvLength: false,
  };
}

/** +QMTOPEN result codes: 0 ok, 2 identifier occupied, 3 PDP, 4 DNS, 5 network connection error. */
const OPEN_RESULT = { busy: 2, pdp: 3, dns: 4, network: 5 } as const;

export interface QuectelMqtt {
  readonly commands: readonly AtCommand[];
  /** RAM state gone (reboot, power cut). */
  reset(): void;
}

export function quectelMqtt(core: ModuleCore): QuectelMqtt {
  let configs: ClientConfig[] = Array.from({ length: CLIENTS }, defaultConfig);

  // A result URC of an operation that outlived neither the boot it started in nor the power.
  const later = (work: () => Promise<string | undefined>) => {
    const boot = core.bootSignal;
    void work().then((line) => {
      if (line && !boot.aborted) core.urc(line);
    });
  };

  core.mqtt.on('message', (m) => {
    const cfg = configs[m.client];
    const payload = m.payload.toString('latin1');
    const len = cfg?.recvLength ? `${m.payload.length},` : '';
    core.urc(`+QMTRECV: ${m.client},${m.messageId},"${m.topic}",${len}"${payload}"`);
  });
  core.mqtt.on('closed', (client) => core.urc(`+QMTSTAT: ${client},1`));

  const idx = (args: AtArguments, i = 0) => args.int(i, { min: 0, max: CLIENTS - 1 });

  const qmtcfg = (ctx: CommandContext, args: AtArguments): Outcome => {
    const key = args.quoted(0).toLowerCase();
    const client = idx(args, 1);
    const cfg = configs[client]!;
    const query = args.count === 2;
    switch (key) {
      case 'version':
        if (query) ctx.info(`+QMTCFG: "version",${cfg.version}`);
        else cfg.version = args.atMost(3).int(2, { oneOf: [3, 4] }) as 3 | 4;
        return undefined;
      case 'keepalive':
        if (query) ctx.info(`+QMTCFG: "keepalive",${cfg.keepaliveS}`);
        else cfg.keepaliveS = args.atMost(3).int(2, { min: 0, max: 3600 });
        return undefined;
      case 'session':
        if (query) ctx.info(`+QMTCFG: "session",${cfg.cleanSession ? 1 : 0}`);
        else cfg.cleanSession = args.atMost(3).int(2, { oneOf: [0, 1] }) === 1;
        return undefined;
      case 'timeout':
        if (query)
          ctx.info(`+QMTCFG: "timeout",${cfg.packetTimeoutS},${cfg.retries},${cfg.timeoutNotice ? 1 : 0}`);
        else {
          args.atMost(5);
          cfg.packetTimeoutS = args.int(2, { min: 1, max: 60 });
          cfg.retries = args.int(3, { min: 0, max: 10, def: cfg.retries });
          cfg.timeoutNotice = args.int(4, { oneOf: [0, 1], def: cfg.timeoutNotice ? 1 : 0 }) === 1;
        }
        return undefined;
      case 'will': {
        if (query) {
          const w = cfg.will;
          ctx.info(
            w
              ? `+QMTCFG: "will",1,${w.qos},${w.retain ? 1 : 0},"${w.topic}","${w.message}"`
              : '+QMTCFG: "will",0',
          );
          return undefined;
        }
        args.atMost(7);
        if (args.int(2, { oneOf: [0, 1] }) === 0) delete cfg.will;
        else {
          cfg.will = {
            qos: args.int(3, { min: 0, max: 2 }) as 0 | 1 | 2,
            retain: args.int(4, { oneOf: [0, 1] }) === 1,
            topic: args.quoted(5),
            message: args.quoted(6, { def: '' }),
          };
        }
        return undefined;
      }
      case 'recv/mode':
        if (query) ctx.info(`+QMTCFG: "recv/mode",${cfg.recvMode},${cfg.recvLength ? 1 : 0}`);
        else {
          args.atMost(4);
          cfg.recvMode = args.int(2, { oneOf: [0, 1] }) as 0 | 1;
          cfg.recvLength = args.int(3, { oneOf: [0, 1], def: 0 }) === 1;
        }
        return undefined;
      default:
        return ERROR;
    }
  };

  const qmtopen = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const client = idx(args.atMost(3));
    const host = args.quoted(1, { maxLength: 100 });
    const port = args.int(2, { min: 1, max: 65535 });
    if (core.mqtt.state(client) !== 'closed') return ERROR;
    later(async () => {
      const r = await core.mqtt.open(client, host, port);
      return `+QMTOPEN: ${client},${r.ok ? 0 : OPEN_RESULT[r.error]}`;
    });
    return undefined;
  };

  const qmtconn = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const client = idx(args.atMost(4));
    const clientId = args.quoted(1, { maxLength: 128 });
    const username = args.isEmpty(2) ? undefined : args.quoted(2);
    const password = args.isEmpty(3) ? undefined : args.quoted(3);
    if (core.mqtt.state(client) !== 'open') return ERROR;
    const cfg = configs[client]!;
    later(async () => {
      const r = await core.mqtt.connect(client, {
        clientId,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        keepaliveS: cfg.keepaliveS,
        cleanSession: cfg.cleanSession,
        protocolVersion: cfg.version,
        ...(cfg.will
          ? {
              will: {
                topic: cfg.will.topic,
                payload: Buffer.from(cfg.will.message, 'latin1'),
                qos: cfg.will.qos,
                retain: cfg.will.retain,
              },
            }
          : {}),
      });
      if (r.ok) return `+QMTCONN: ${client},0,0`;
      if (r.returnCode !== undefined) return `+QMTCONN: ${client},0,${r.returnCode}`;
      return `+QMTCONN: ${client},2`;
    });
    return undefined;
  };

  const qmtsub = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const client = idx(args);
    const msgId = args.int(1, { min: 1, max: 65535 });
    const subs: { topic: string; qos: 0 | 1 | 2 }[] = [];
    for (let i = 2; i < args.count; i += 2)
      subs.push({ topic: args.quoted(i), qos: args.int(i + 1, { min: 0, max: 2 }) as 0 | 1 | 2 });
    if (subs.length === 0 || core.mqtt.state(client) !== 'connected') return ERROR;
    later(async () => {
      const r = await core.mqtt.subscribe(client, subs);
      return r.ok
        ? `+QMTSUB: ${client},${msgId},0,${(r.granted ?? []).join(',')}`
        : `+QMTSUB: ${client},${msgId},2`;
    });
    return undefined;
  };

  const qmtuns = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const client = idx(args);
    const msgId = args.int(1, { min: 1, max: 65535 });
    const topics: string[] = [];
    for (let i = 2; i < args.count; i++) topics.push(args.quoted(i));
    if (topics.length === 0 || core.mqtt.state(client) !== 'connected') return ERROR;
    later(async () => {
      const r = await core.mqtt.unsubscribe(client, topics);
      return `+QMTUNS: ${client},${msgId},${r.ok ? 0 : 2}`;
    });
    return undefined;
  };

  // AT+QMTPUB=<idx>,<msgid>,<qos>,<retain>,"<topic>"[,<length>] → "> " → payload (length bytes, or text + Ctrl-Z).
  const qmtpub = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    const client = idx(args.atMost(6));
    const qos = args.int(2, { min: 0, max: 2 }) as 0 | 1 | 2;
    const msgId = args.int(1, { min: qos === 0 ? 0 : 1, max: qos === 0 ? 0 : 65535 });
    const retain = args.int(3, { oneOf: [0, 1] }) === 1;
    const topic = args.quoted(4, { maxLength: 1024 });
    const length = args.isEmpty(5) ? undefined : args.int(5, { min: 0, max: 1024 * 1024 });
    if (core.mqtt.state(client) !== 'connected') return ERROR;
    ctx.prompt('\r\n> ');
    const timeoutMs = configs[client]!.packetTimeoutS * 1000 * 4;
    const got =
      length === undefined
        ? await ctx.readUntil({ stop: CTRL_Z, cancel: ESC, max: MAX_TEXT_PAYLOAD, timeoutMs })
        : await ctx.readExactly(length, { timeoutMs });
    if (!got.ok) return ERROR;
    later(async () => {
      const r = await core.mqtt.publish(client, topic, got.bytes, { qos, retain });
      return `+QMTPUB: ${client},${msgId},${r.ok ? 0 : 2}`;
    });
    return undefined;
  };

  const simple =
    (name: string, op: (client: number) => Promise<boolean>) =>
    (_ctx: CommandContext, args: AtArguments): Outcome => {
      const client = idx(args.atMost(1));
      if (core.mqtt.state(client) === 'closed') return ERROR;
      later(async () => `+${name}: ${client},${(await op(client)) ? 0 : -1}`);
      return undefined;
    };

  const commands: AtCommand[] = [
    {
      name: '+QMTCFG',
      summary: 'MQTT client configuration ("version","keepalive","session","timeout","will","recv/mode")',
      set: qmtcfg,
    },
    {
      name: '+QMTOPEN',
      summary: 'open a network link to a broker: <idx>,"<host>",<port> → +QMTOPEN: <idx>,<result>',
      set: qmtopen,
      read: (ctx) => {
        for (let c = 0; c < CLIENTS; c++) {
          const ep = core.mqtt.endpoint(c);
          if (ep) ctx.info(`+QMTOPEN: ${c},"${ep.host}",${ep.port}`);
        }
        return undefined;
      },
    },
    {
      name: '+QMTCLOSE',
      summary: 'close the link: <idx> → +QMTCLOSE',
      set: simple('QMTCLOSE', async (c) => core.mqtt.close(c)),
    },
    {
      name: '+QMTCONN',
      summary: 'MQTT CONNECT: <idx>,"<client id>"[,"<user>","<pass>"] → +QMTCONN: <idx>,<result>[,<ret>]',
      set: qmtconn,
      read: (ctx) => {
        const codes = { opening: 1, open: 1, connecting: 2, connected: 3 } as const;
        for (let c = 0; c < CLIENTS; c++) {
          const s = core.mqtt.state(c);
          if (s !== 'closed') ctx.info(`+QMTCONN: ${c},${codes[s]}`);
        }
        return undefined;
      },
    },
    {
      name: '+QMTDISC',
      summary: 'MQTT DISCONNECT: <idx> → +QMTDISC',
      set: simple('QMTDISC', async (c) => (await core.mqtt.disconnect(c)).ok),
    },
    { name: '+QMTSUB', summary: 'subscribe: <idx>,<msgid>,"<topic>",<qos>[,…] → +QMTSUB', set: qmtsub },
    { name: '+QMTUNS', summary: 'unsubscribe: <idx>,<msgid>,"<topic>"[,…] → +QMTUNS', set: qmtuns },
    {
      name: '+QMTPUB',
      summary: 'publish: <idx>,<msgid>,<qos>,<retain>,"<topic>"[,<len>] → > payload → +QMTPUB',
      set: qmtpub,
    },
    { name: '+QMTPUBEX', summary: 'publish with length (BG95): as +QMTPUB', set: qmtpub },
  ];

  return {
    commands,
    reset: () => {
      configs = Array.from({ length: CLIENTS }, defaultConfig);
    },
  };
}
