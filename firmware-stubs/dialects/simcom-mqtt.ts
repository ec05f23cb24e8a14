/**
 * SIMCom SIM7080G MQTT (AT+SMCONF, AT+SMCONN, AT+SMSUB, AT+SMUNSUB, AT+SMPUB, AT+SMDISC, AT+SMSTATE?) on the
 * core MQTT bridge (a real client to a real broker). Source: at-modules.md §3.5 (SIM7080 manual, D) and
 * field logs for the shapes: the commands block until the broker answered and end in OK or ERROR; AT+SMPUB
 * takes its payload after a "> " prompt; messages arrive as +SMSUB: "<topic>","<payload>"; the application
 * network (AT+CNACT) must be up before AT+SMCONN, as on the module.
 *
 * [M] the AT+SMCONF? listing layout, the payload limit of AT+SMPUB, +SMSTATE: 0 as the URC of a lost
 * connection; SSL (AT+SMSSL) is not emulated.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, type Outcome } from '../module/results.ts';

const CLIENT = 0;
const MAX_PAYLOAD = 10_240; // [M]
const PAYLOAD_IDLE_MS = 10_000; // [M]

interface Config {
  clientId: string;
  host?: string;
  port: number;
  keepaliveS: number;
  cleanSession: boolean;
  username: string;
  password: string;
  qos: number;
  topic: string;
  message: string;
  retain: boolean;
  subHex: boolean;
  asyncMode: boolean;
}

export interface SimcomMqtt {
  readonly commands: readonly AtCommand[];
  reset(): void;
}

export function simcomMqtt(core: ModuleCore, appNetworkUp: () => boolean): SimcomMqtt {
  const defaults = (): Config => ({
    clientId: '',
    port: 1883,
    keepaliveS: 60,
    cleanSession: true,
    username: '',
    password: '',
    qos: 0,
    topic: '',
    message: '',
    retain: false,
    subHex: false,
    asyncMode: false,
  });
  let cfg = defaults();

  core.mqtt.on('message', (m) => {
    if (m.client !== CLIENT) return;
    const payload = cfg.subHex ? m.payload.toString('hex').toUpperCase() : m.payload.toString('latin1');
    core.urc(`+SMSUB: "${Buffer.from(m.topic, 'utf8').toString('latin1')}","${payload}"`);
  });
  core.mqtt.on('closed', (client) => {
    if (client === CLIENT) core.urc('+SMSTATE: 0');
  });

  const connected = () => core.mqtt.state(CLIENT) === 'connected';

  // AT+SMCONF="<key>",<value>[,<value>]
  const smconf = (_ctx: CommandContext, args: AtArguments): Outcome => {
    const key = args.quoted(0).toUpperCase();
    const c = cfg;
    const flag = () => args.atMost(2).int(1, { oneOf: [0, 1] }) === 1;
    switch (key) {
      case 'URL': {
        args.atMost(3);
        c.host = args.quoted(1, { maxLength: 256 });
        const port = args.str(2, { def: '1883', pattern: /^\d{1,5}$/ });
        c.port = Number(port);
        if (c.port < 1 || c.port > 65535) return ERROR;
        return undefined;
      }
      case 'CLIENTID':
        c.clientId = args.atMost(2).quoted(1, { def: '', maxLength: 128 });
        return undefined;
      case 'KEEPTIME':
        c.keepaliveS = args.atMost(2).int(1, { min: 0, max: 65535 });
        return undefined;
      case 'CLEANSS':
        c.cleanSession = flag();
        return undefined;
      case 'USERNAME':
        c.username = args.atMost(2).quoted(1, { def: '', maxLength: 128 });
        return undefined;
      case 'PASSWORD':
        c.password = args.atMost(2).quoted(1, { def: '', maxLength: 128 });
        return undefined;
      case 'QOS':
        c.qos = args.atMost(2).int(1, { min: 0, max: 2 });
        return undefined;
      case 'TOPIC':
        c.topic = args.atMost(2).quoted(1, { def: '', maxLength: 128 });
        return undefined;
      case 'MESSAGE':
        c.message = args.atMost(2).quoted(1, { def: '', maxLength: 256 });
        return undefined;
      case 'RETAIN':
        c.retain = flag();
        return undefined;
      case 'SUBHEX':
        c.subHex = flag();
        return undefined;
      case 'ASYNCMODE':
        c.asyncMode = flag();
        return undefined;
      default:
        return ERROR;
    }
  };

  const smconfRead = (ctx: CommandContext): Outcome => {
    const c = cfg;
    ctx.info('+SMCONF:');
    for (const line of [
      `CLIENTID: "${c.clientId}"`,
      `URL: "${c.host ?? ''}",${c.port}`,
      `KEEPTIME: ${c.keepaliveS}`,
      `USERNAME: "${c.username}"`,
      `PASSWORD: "${c.password}"`,
      `CLEANSS: ${c.cleanSession ? 1 : 0}`,
      `QOS: ${c.qos}`,
      `TOPIC: "${c.topic}"`,
      `MESSAGE: "${c.message}"`,
      `RETAIN: ${c.retain ? 1 : 0}`,
      `SUBHEX: ${c.subHex ? 1 : 0}`,
      `ASYNCMODE: ${c.asyncMode ? 1 : 0}`,
    ]) {
      ctx.info(line);
    }
    return undefined;
  };

  const smconn = async (): Promise<Outcome> => {
    const c = cfg;
    if (!c.host || !appNetworkUp() || core.mqtt.state(CLIENT) !== 'closed') return ERROR;
    const open = await core.mqtt.open(CLIENT, c.host, c.port);
    if (!open.ok) return ERROR;
    const r = await core.mqtt.connect(CLIENT, {
      clientId: c.clientId || core.identity.imei,
      ...(c.username ? { username: c.username, ...(c.password ? { password: c.password } : {}) } : {}),
      keepaliveS: c.keepaliveS,
      cleanSession: c.cleanSession,
      protocolVersion: 4,
      ...(c.topic
        ? {
            will: {
              topic: c.topic,
              payload: Buffer.from(c.message, 'latin1'),
              qos: c.qos as 0 | 1 | 2,
              retain: c.retain,
            },
          }
        : {}),
    });
    return r.ok ? undefined : ERROR;
  };

  // AT+SMPUB="<topic>",<length>,<qos>,<retain> → "> " → <length> bytes → OK once sent (acknowledged for QoS > 0)
  const smpub = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    args.atMost(4);
    const topic = args.quoted(0, { maxLength: 128 });
    const length = args.int(1, { min: 1, max: MAX_PAYLOAD });
    const qos = args.int(2, { min: 0, max: 2 }) as 0 | 1 | 2;
    const retain = args.int(3, { oneOf: [0, 1] }) === 1;
    if (!connected()) return ERROR;
    ctx.prompt('\r\n> ');
    const got = await ctx.readExactly(length, { timeoutMs: PAYLOAD_IDLE_MS });
    if (!got.ok) return ERROR;
    return (await core.mqtt.publish(CLIENT, topic, got.bytes, { qos, retain })).ok ? undefined : ERROR;
  };

  const commands: AtCommand[] = [
    {
      name: '+SMCONF',
      summary: 'MQTT configuration: "URL","<host>",<port>; "CLIENTID"; "KEEPTIME"; "CLEANSS"…',
      set: smconf,
      read: smconfRead,
    },
    { name: '+SMCONN', summary: 'connect to the configured broker (needs AT+CNACT up)', exec: smconn },
    {
      name: '+SMDISC',
      summary: 'disconnect from the broker',
      exec: async () =>
        core.mqtt.state(CLIENT) === 'closed'
          ? ERROR
          : (await core.mqtt.disconnect(CLIENT)).ok
            ? undefined
            : ERROR,
    },
    {
      name: '+SMSUB',
      summary: 'subscribe: "<topic>",<qos>; messages arrive as +SMSUB: "<topic>","<payload>"',
      set: async (_ctx, args) => {
        args.atMost(2);
        const topic = args.quoted(0, { maxLength: 128 });
        const qos = args.int(1, { min: 0, max: 2 }) as 0 | 1 | 2;
        if (!connected()) return ERROR;
        const r = await core.mqtt.subscribe(CLIENT, [{ topic, qos }]);
        return r.ok && !(r.granted ?? []).some((g) => g >= 128) ? undefined : ERROR;
      },
    },
    {
      name: '+SMUNSUB',
      summary: 'unsubscribe: "<topic>"',
      set: async (_ctx, args) => {
        const topic = args.atMost(1).quoted(0, { maxLength: 128 });
        if (!connected()) return ERROR;
        return (await core.mqtt.unsubscribe(CLIENT, [topic])).ok ? undefined : ERROR;
      },
    },
    { name: '+SMPUB', summary: 'publish: "<topic>",<length>,<qos>,<retain> → > → bytes', set: smpub },
    {
      name: '+SMSTATE',
      summary: 'connection state: 0 disconnected, 1 connected',
      read: (ctx) => {
        ctx.info(`+SMSTATE: ${connected() ? 1 : 0}`);
        return undefined;
      },
    },
  ];

  return {
    commands,
    reset: () => {
      cfg = defaults();
    },
  };
}
