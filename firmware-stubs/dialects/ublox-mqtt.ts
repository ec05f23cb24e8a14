/**
 * u-blox MQTT (AT+UMQTT profile, AT+UMQTTC commands, AT+UMQTTER) on the core MQTT bridge (a real client to
 * a real broker). Sources: at-modules.md §3.3 (SARA-R5 syntax, D) and u-blox ubxlib u_cell_mqtt.c for the
 * R5 shapes: every AT+UMQTTC answers +UMQTTC: <op>,<1 accepted|0 refused> before OK; what the broker says
 * comes later as +UUMQTTC: <op>,<result> (1 success); +UUMQTTC: 6,<unread> announces messages, which
 * AT+UMQTTC=6[,1] reads as +UMQTTC: 6,<qos>,<topic+msg len>,<topic len>,"<topic>",<msg len>,"<msg>";
 * +UUMQTTC: 0,101 reports a lost connection.
 *
 * [M] the result code of a failed login (+UUMQTTC: 1,0), the +UMQTTER codes, the answer to a read with no
 * message waiting (OK alone); TLS (profile op 11) is accepted but the link stays plain.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { CME, cme, ERROR, type Outcome } from '../module/results.ts';

const CLIENT = 0;
const MAX_BINARY_PAYLOAD = 1024 * 1024;
const PAYLOAD_IDLE_MS = 20_000;
/** +UMQTTER specific codes [M]: ubxlib retries on 33 (timeout) and 34 (no radio service). */
const MQTT_ERROR = { none: 0, refused: 1, timeout: 33, noService: 34 } as const;
/** +UUMQTTC: 0,<reason> when the link drops: 100 inactivity, 101 connection lost, 102 protocol violation. */
const CONNECTION_LOST = 101;

interface Profile {
  clientId: string;
  host?: string;
  port: number;
  username?: string;
  password?: string;
  keepaliveS: number;
  cleanSession: boolean;
  secure: boolean;
  will: { qos: 0 | 1 | 2; retain: boolean; topic?: string; message?: string };
}

interface Unread {
  topic: string;
  payload: Buffer;
  qos: number;
}

export interface UbloxMqtt {
  readonly commands: readonly AtCommand[];
  /** RAM state gone (reboot, power cut). */
  reset(): void;
}

export function ubloxMqtt(core: ModuleCore): UbloxMqtt {
  const defaults = (): Profile => ({
    clientId: core.identity.imei, // SARA-R5 makes one up when the host sets none; the IMEI is what it uses [M]
    port: 1883,
    keepaliveS: 0,
    cleanSession: true,
    secure: false,
    will: { qos: 0, retain: false },
  });
  let profile = defaults();
  let unread: Unread[] = [];
  let lastError: [number, number] = [0, MQTT_ERROR.none];

  // A broker result that outlives neither the boot it started in nor the power.
  const later = (work: () => Promise<string | undefined>) => {
    const boot = core.bootSignal;
    void work().then((line) => {
      if (line && !boot.aborted) core.urc(line);
    });
  };

  core.mqtt.on('message', (m) => {
    if (m.client !== CLIENT) return;
    unread.push({ topic: m.topic, payload: m.payload, qos: m.qos });
    core.urc(`+UUMQTTC: 6,${unread.length}`);
  });
  core.mqtt.on('closed', (client) => {
    if (client === CLIENT) core.urc(`+UUMQTTC: 0,${CONNECTION_LOST}`);
  });

  const connected = () => core.mqtt.state(CLIENT) === 'connected';
  const fail = (code: number) => {
    lastError = [1, code];
  };

  // AT+UMQTT=<op>[,<value>…]: a profile parameter; with the op alone, its current value.
  const umqtt = (ctx: CommandContext, args: AtArguments): Outcome => {
    const op = args.int(0, { oneOf: [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12] });
    const p = profile;
    if (args.count === 1) {
      const value: Record<number, string> = {
        0: `"${p.clientId}"`,
        2: `"${p.host ?? ''}",${p.port}`,
        3: `"${p.host ?? ''}",${p.port}`,
        4: `"${p.username ?? ''}"`,
        6: String(p.will.qos),
        7: String(p.will.retain ? 1 : 0),
        8: `"${p.will.topic ?? ''}"`,
        9: `"${p.will.message ?? ''}"`,
        10: String(p.keepaliveS),
        11: String(p.secure ? 1 : 0),
        12: String(p.cleanSession ? 1 : 0),
      };
      const v = value[op];
      if (v === undefined) return ERROR;
      ctx.info(`+UMQTT: ${op},${v}`);
      return undefined;
    }
    switch (op) {
      case 0:
        p.clientId = args.atMost(2).quoted(1, { maxLength: 256 });
        break;
      case 1:
        args.atMost(2).int(1, { min: 1, max: 65535 });
        break;
      case 2:
      case 3:
        args.atMost(3);
        p.host = args.quoted(1, { maxLength: 128 });
        p.port = args.int(2, { min: 1, max: 65535, def: 1883 });
        break;
      case 4:
        args.atMost(3);
        p.username = args.quoted(1, { maxLength: 30 });
        p.password = args.quoted(2, { def: '', maxLength: 30 });
        break;
      case 6:
        p.will.qos = args.atMost(2).int(1, { min: 0, max: 2 }) as 0 | 1 | 2;
        break;
      case 7:
        p.will.retain = args.atMost(2).int(1, { oneOf: [0, 1] }) === 1;
        break;
      case 8:
        p.will.topic = args.atMost(2).quoted(1, { maxLength: 256 });
        break;
      case 9:
        p.will.message = args.atMost(2).quoted(1, { maxLength: 256 });
        break;
      case 10:
        p.keepaliveS = args.atMost(2).int(1, { min: 0, max: 65535 });
        break;
      case 11:
        args.atMost(3);
        p.secure = args.int(1, { oneOf: [0, 1] }) === 1;
        args.int(2, { min: 0, max: 4, def: 0 });
        break;
      case 12:
        p.cleanSession = args.atMost(2).int(1, { oneOf: [0, 1] }) === 1;
        break;
    }
    ctx.info(`+UMQTT: ${op},1`);
    return undefined;
  };

  const login = (ctx: CommandContext): Outcome => {
    const p = profile;
    if (!p.host || core.mqtt.state(CLIENT) !== 'closed') {
      fail(MQTT_ERROR.refused);
      ctx.info('+UMQTTC: 1,0');
      return undefined;
    }
    ctx.info('+UMQTTC: 1,1');
    const host = p.host;
    later(async () => {
      const open = await core.mqtt.open(CLIENT, host, p.port);
      if (!open.ok) {
        fail(open.error === 'pdp' ? MQTT_ERROR.noService : MQTT_ERROR.timeout);
        return '+UUMQTTC: 1,0';
      }
      const r = await core.mqtt.connect(CLIENT, {
        clientId: p.clientId,
        ...(p.username === undefined ? {} : { username: p.username, password: p.password ?? '' }),
        keepaliveS: p.keepaliveS,
        cleanSession: p.cleanSession,
        protocolVersion: 4,
        ...(p.will.topic
          ? {
              will: {
                topic: p.will.topic,
                payload: Buffer.from(p.will.message ?? '', 'latin1'),
                qos: p.will.qos,
                retain: p.will.retain,
              },
            }
          : {}),
      });
      if (!r.ok) fail(r.returnCode ?? MQTT_ERROR.timeout);
      return `+UUMQTTC: 1,${r.ok ? 1 : 0}`;
    });
    return undefined;
  };

  const logout = (ctx: CommandContext): Outcome => {
    if (core.mqtt.state(CLIENT) === 'closed') {
      ctx.info('+UMQTTC: 0,0');
      return undefined;
    }
    ctx.info('+UMQTTC: 0,1');
    later(async () => {
      await core.mqtt.disconnect(CLIENT);
      unread = [];
      return '+UUMQTTC: 0,1';
    });
    return undefined;
  };

  const publish = (
    ctx: CommandContext,
    op: 2 | 9,
    topic: string,
    payload: Buffer,
    qos: 0 | 1 | 2,
    retain: boolean,
  ): Outcome => {
    if (!connected()) {
      fail(MQTT_ERROR.refused);
      ctx.info(`+UMQTTC: ${op},0`);
      return undefined;
    }
    ctx.info(`+UMQTTC: ${op},1`);
    later(async () => {
      const r = await core.mqtt.publish(CLIENT, topic, payload, { qos, retain });
      if (!r.ok) fail(MQTT_ERROR.timeout);
      return `+UUMQTTC: ${op},${r.ok ? 1 : 0}`;
    });
    return undefined;
  };

  // AT+UMQTTC=2,<qos>,<retain>,[<hex mode>],"<topic>","<message>"
  const publishText = (ctx: CommandContext, args: AtArguments): Outcome => {
    args.atMost(6);
    const qos = args.int(1, { min: 0, max: 2 }) as 0 | 1 | 2;
    const retain = args.int(2, { oneOf: [0, 1] }) === 1;
    const withHex = args.count === 6;
    const hex = withHex && args.int(3, { oneOf: [0, 1], def: 0 }) === 1;
    const topic = args.quoted(withHex ? 4 : 3, { maxLength: 256 });
    const text = args.quoted(withHex ? 5 : 4, { def: '', maxLength: hex ? 2048 : 1024 });
    if (hex && !/^([0-9a-fA-F]{2})*$/.test(text)) return cme(CME.incorrectParameters);
    return publish(ctx, 2, topic, hex ? Buffer.from(text, 'hex') : Buffer.from(text, 'latin1'), qos, retain);
  };

  // AT+UMQTTC=9,<qos>,<retain>,"<topic>",<length> → ">" → <length> bytes
  const publishBinary = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    args.atMost(5);
    const qos = args.int(1, { min: 0, max: 2 }) as 0 | 1 | 2;
    const retain = args.int(2, { oneOf: [0, 1] }) === 1;
    const topic = args.quoted(3, { maxLength: 256 });
    const length = args.int(4, { min: 1, max: MAX_BINARY_PAYLOAD });
    ctx.prompt('\r\n>');
    const got = await ctx.readExactly(length, { timeoutMs: PAYLOAD_IDLE_MS });
    if (!got.ok) return ERROR;
    return publish(ctx, 9, topic, got.bytes, qos, retain);
  };

  const subscribe = (ctx: CommandContext, args: AtArguments, op: 4 | 5): Outcome => {
    const qos = op === 4 ? (args.atMost(3).int(1, { min: 0, max: 2 }) as 0 | 1 | 2) : 0;
    const topic = args.atMost(op === 4 ? 3 : 2).quoted(op === 4 ? 2 : 1, { maxLength: 256 });
    if (!connected()) {
      fail(MQTT_ERROR.refused);
      ctx.info(`+UMQTTC: ${op},0`);
      return undefined;
    }
    ctx.info(`+UMQTTC: ${op},1`);
    later(async () => {
      if (op === 5) return `+UUMQTTC: 5,${(await core.mqtt.unsubscribe(CLIENT, [topic])).ok ? 1 : 0}`;
      const r = await core.mqtt.subscribe(CLIENT, [{ topic, qos }]);
      const granted = r.ok ? (r.granted?.[0] ?? qos) : qos;
      return `+UUMQTTC: 4,${r.ok && granted < 128 ? 1 : 0},${granted},"${topic}"`;
    });
    return undefined;
  };

  // AT+UMQTTC=6[,<one message>]: the waiting messages (all, or the oldest one).
  const readMessages = (ctx: CommandContext, args: AtArguments): Outcome => {
    const one = args.atMost(2).int(1, { oneOf: [0, 1], def: 0 }) === 1;
    const taken = one ? unread.splice(0, 1) : unread.splice(0);
    for (const m of taken) {
      const topic = Buffer.from(m.topic, 'utf8');
      const msg = m.payload.toString('latin1');
      ctx.info(
        `+UMQTTC: 6,${m.qos},${topic.length + m.payload.length},${topic.length},"${topic.toString('latin1')}",${m.payload.length},"${msg}"`,
      );
    }
    if (taken.length > 0 && unread.length > 0) core.urc(`+UUMQTTC: 6,${unread.length}`);
    return undefined;
  };

  const umqttc = (ctx: CommandContext, args: AtArguments): Outcome | Promise<Outcome> => {
    const op = args.int(0, { oneOf: [0, 1, 2, 4, 5, 6, 8, 9] });
    switch (op) {
      case 0:
        args.atMost(1);
        return logout(ctx);
      case 1:
        args.atMost(1);
        return login(ctx);
      case 2:
        return publishText(ctx, args);
      case 4:
      case 5:
        return subscribe(ctx, args, op);
      case 6:
        return readMessages(ctx, args);
      case 8:
        // Keep-alive pings: the bridge's client sends them on its own.
        args.atMost(2).int(1, { oneOf: [0, 1] });
        ctx.info(`+UMQTTC: 8,${connected() ? 1 : 0}`);
        return undefined;
      default:
        return publishBinary(ctx, args);
    }
  };

  return {
    commands: [
      {
        name: '+UMQTT',
        summary:
          'MQTT profile: 0 client id, 2 broker name,port, 4 user,password, 10 keep-alive, 12 clean session…',
        set: umqtt,
      },
      {
        name: '+UMQTTC',
        summary:
          'MQTT commands: 0 logout, 1 login, 2 publish text, 4 subscribe, 5 unsubscribe, 6 read, 8 ping, 9 publish binary',
        set: umqttc,
      },
      {
        name: '+UMQTTER',
        summary: 'last MQTT error: +UMQTTER: <class>,<code>',
        exec: (ctx) => {
          ctx.info(`+UMQTTER: ${lastError[0]},${lastError[1]}`);
          return undefined;
        },
      },
    ],
    reset: () => {
      profile = defaults();
      unread = [];
      lastError = [0, MQTT_ERROR.none];
    },
  };
}
