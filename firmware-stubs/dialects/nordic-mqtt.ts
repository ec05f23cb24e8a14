/**
 * Serial LTE Modem MQTT client (#XMQTTCFG, #XMQTTCON, #XMQTTSUB, #XMQTTUNSUB, #XMQTTPUB) on the core MQTT
 * bridge (a real client to a real broker). Sources: sdk-nrf applications/serial_lte_modem/doc/MQTT_AT_commands.rst
 * (the version with #XMQTTCFG) and the SLM source (slm_at_mqtt.c): every MQTT event is reported as
 * #XMQTTEVT: <type>,<result> (0 CONNACK, 1 disconnect, 2 message received, 3 PUBACK, 4 PUBREC, 6 PUBCOMP,
 * 7 SUBACK, 8 UNSUBACK; result 0 success, negative errno on failure); a received message is
 * `#XMQTTMSG: <topic len>,<msg len>` CRLF topic CRLF message CRLF, then #XMQTTEVT: 2,0. A QoS 0 publish
 * raises no event. An empty <msg> enters SLM data mode: OK, the payload (sent whenever the UART falls
 * idle), "+++", then #XDATAMODE: 0.
 *
 * Not emulated: PINGRESP events (the bridge's client pings on host time), TLS (<sec_tag> is accepted, the
 * link stays plain), a "+++" split across two idle gaps. [M] the errno values of failures.
 */
import type { AtArguments } from '../module/arguments.ts';
import type { AtCommand, CommandContext } from '../module/command.ts';
import type { ModuleCore } from '../module/core.ts';
import { ERROR, NO_RESULT, type Outcome } from '../module/results.ts';

const CLIENT = 0;
const MAX_INLINE_PAYLOAD = 1024;
/** CONFIG_SLM_DATAMODE_BUF_SIZE default. */
const DATAMODE_MAX = 4096;
/** Idle time after which data mode sends what it has: 256-byte UART buffer at 115200 baud plus margin [M]. */
const DATAMODE_TIME_LIMIT_MS = 50;
const QUIT = Buffer.from('+++');
/** readUntil without a stop byte: data mode ends on idle, not on a byte. */
const NO_STOP_BYTE = -1;
/** Zephyr errno values reported in #XMQTTEVT results [M]. */
const ERRNO = { ECONNRESET: 104, ETIMEDOUT: 116, ECONNREFUSED: 111, EIO: 5 } as const;

interface Config {
  clientId: string;
  keepaliveS: number;
  cleanSession: boolean;
}

export interface NordicMqtt {
  readonly commands: readonly AtCommand[];
  reset(): void;
}

export function nordicMqtt(core: ModuleCore): NordicMqtt {
  const defaults = (): Config => ({ clientId: 'slm_default_client_id', keepaliveS: 60, cleanSession: false });
  let cfg = defaults();
  let broker: { url: string; port: number } | undefined;

  const event = (type: number, result: number) => core.urc(`#XMQTTEVT: ${type},${result}`);
  // Broker events outlive neither the boot they started in nor the power.
  const later = (work: () => Promise<void>) => {
    void work().catch(() => {});
  };
  const alive = (boot: AbortSignal) => !boot.aborted;

  core.mqtt.on('message', (m) => {
    if (m.client !== CLIENT) return;
    const topic = Buffer.from(m.topic, 'utf8');
    core.urc(
      `#XMQTTMSG: ${topic.length},${m.payload.length}\r\n${topic.toString('latin1')}\r\n${m.payload.toString('latin1')}`,
    );
    event(2, 0);
  });
  core.mqtt.on('closed', (client) => {
    if (client !== CLIENT) return;
    broker = undefined;
    event(1, -ERRNO.ECONNRESET);
  });

  const connected = () => core.mqtt.state(CLIENT) === 'connected';

  // AT#XMQTTCON=<op>[,<username>,<password>,<url>,<port>[,<sec_tag>]]
  const xmqttcon = async (_ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    const op = args.atMost(6).int(0, { oneOf: [0, 1, 2] });
    const boot = core.bootSignal;
    if (op === 0) {
      args.atMost(1);
      if (core.mqtt.state(CLIENT) === 'closed') return ERROR;
      later(async () => {
        await core.mqtt.disconnect(CLIENT);
        broker = undefined;
        if (alive(boot)) event(1, 0);
      });
      return undefined;
    }
    const username = args.quoted(1, { def: '', maxLength: 64 });
    const password = args.quoted(2, { def: '', maxLength: 64 });
    const url = args.quoted(3, { maxLength: 128 });
    const port = args.int(4, { min: 0, max: 65535 });
    if (!args.isEmpty(5)) args.int(5, { min: 0 });
    if (core.mqtt.state(CLIENT) !== 'closed') return ERROR; // -EISCONN
    // mqtt_connect() blocks on the TCP connection; CONNACK comes later as an event.
    const open = await core.mqtt.open(CLIENT, url, port);
    if (!open.ok) return ERROR;
    broker = { url, port };
    const c = cfg;
    later(async () => {
      const r = await core.mqtt.connect(CLIENT, {
        clientId: c.clientId,
        ...(username ? { username, ...(password ? { password } : {}) } : {}),
        keepaliveS: c.keepaliveS,
        cleanSession: c.cleanSession,
        protocolVersion: 4,
      });
      if (!r.ok) broker = undefined;
      const result = r.ok
        ? 0
        : (r.returnCode ?? -(r.error === 'timeout' ? ERRNO.ETIMEDOUT : ERRNO.ECONNREFUSED));
      if (alive(boot)) event(0, result);
    });
    return undefined;
  };

  const publish = (topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean) => {
    const boot = core.bootSignal;
    later(async () => {
      const r = await core.mqtt.publish(CLIENT, topic, payload, { qos, retain });
      if (!alive(boot) || qos === 0) return;
      const result = r.ok ? 0 : -ERRNO.EIO;
      if (qos === 1) event(3, result);
      else {
        event(4, result);
        if (r.ok) event(6, 0);
      }
    });
  };

  // Data mode: what the host sends goes out each time the UART falls idle (the SLM's time limit), until
  // "+++" ends it. (The core's framing ends a raw read at its stop byte and hands the rest of the chunk to
  // the command parser, so the quit string is looked for in each idle-delimited piece instead.)
  async function dataMode(ctx: CommandContext, send: (payload: Buffer) => void): Promise<void> {
    for (;;) {
      const got = await ctx.readUntil({
        stop: NO_STOP_BYTE,
        max: DATAMODE_MAX,
        timeoutMs: DATAMODE_TIME_LIMIT_MS,
      });
      if (!got.ok && got.reason === 'cancelled')
        throw new Error('#XMQTTPUB data mode: cancelled by a restart');
      const quit = got.bytes.indexOf(QUIT);
      const data = quit >= 0 ? got.bytes.subarray(0, quit) : got.bytes;
      if (data.length > 0) send(data);
      if (quit >= 0) return;
    }
  }

  // AT#XMQTTPUB=<topic>[,<msg>[,<qos>[,<retain>]]]
  const xmqttpub = async (ctx: CommandContext, args: AtArguments): Promise<Outcome> => {
    args.atMost(4);
    const topic = args.quoted(0, { maxLength: 128 });
    const msg = args.quoted(1, { def: '', maxLength: MAX_INLINE_PAYLOAD });
    const qos = args.int(2, { min: 0, max: 2, def: 0 }) as 0 | 1 | 2;
    const retain = args.int(3, { oneOf: [0, 1], def: 0 }) === 1;
    if (!connected()) return ERROR; // -ENOTCONN
    if (msg !== '') {
      publish(topic, Buffer.from(msg, 'latin1'), qos, retain);
      return undefined;
    }
    ctx.result('OK');
    await dataMode(ctx, (payload) => publish(topic, payload, qos, retain));
    core.urc('#XDATAMODE: 0');
    return NO_RESULT;
  };

  const subscription =
    (op: 7 | 8) =>
    (_ctx: CommandContext, args: AtArguments): Outcome => {
      args.atMost(op === 7 ? 2 : 1);
      const topic = args.quoted(0, { maxLength: 128 });
      const qos = op === 7 ? (args.int(1, { min: 0, max: 2 }) as 0 | 1 | 2) : 0;
      if (!connected()) return ERROR;
      const boot = core.bootSignal;
      later(async () => {
        const r =
          op === 7
            ? await core.mqtt.subscribe(CLIENT, [{ topic, qos }])
            : await core.mqtt.unsubscribe(CLIENT, [topic]);
        const refused = r.ok && (r.granted ?? []).some((g) => g >= 128);
        if (alive(boot)) event(op, r.ok && !refused ? 0 : -ERRNO.EIO);
      });
      return undefined;
    };

  const commands: AtCommand[] = [
    {
      name: '#XMQTTCFG',
      summary: 'MQTT client configuration: "<client id>"[,<keep alive s>[,<clean session>]]',
      set: (_ctx, args) => {
        args.atMost(3);
        cfg = {
          clientId: args.quoted(0, { maxLength: 64 }),
          keepaliveS: args.int(1, { min: 0, max: 65535, def: 60 }),
          cleanSession: args.int(2, { oneOf: [0, 1], def: 0 }) === 1,
        };
        return undefined;
      },
      read: (ctx) => {
        ctx.info(`#XMQTTCFG: "${cfg.clientId}",${cfg.keepaliveS},${cfg.cleanSession ? 1 : 0}`);
        return undefined;
      },
      test: (ctx) => {
        ctx.info('#XMQTTCFG: <client_id>,<keep_alive>,<clean_session>');
        return undefined;
      },
    },
    {
      name: '#XMQTTCON',
      summary:
        'MQTT connect: 1,"<user>","<password>","<host>",<port>; disconnect: 0 → #XMQTTEVT: 0|1,<result>',
      set: xmqttcon,
      read: (ctx) => {
        ctx.info(
          connected() && broker
            ? `#XMQTTCON: 1,"${cfg.clientId}","${broker.url}",${broker.port}`
            : '#XMQTTCON: 0',
        );
        return undefined;
      },
      test: (ctx) => {
        ctx.info('#XMQTTCON: (0,1,2),<username>,<password>,<url>,<port>,<sec_tag>');
        return undefined;
      },
    },
    {
      name: '#XMQTTSUB',
      summary: 'subscribe: "<topic>",<qos> → #XMQTTEVT: 7,<result>',
      set: subscription(7),
    },
    { name: '#XMQTTUNSUB', summary: 'unsubscribe: "<topic>" → #XMQTTEVT: 8,<result>', set: subscription(8) },
    {
      name: '#XMQTTPUB',
      summary:
        'publish: "<topic>"[,"<msg>"[,<qos>[,<retain>]]]; an empty <msg> enters data mode (end with +++)',
      set: xmqttpub,
      test: (ctx) => {
        ctx.info('#XMQTTPUB: <topic>,<msg>,(0,1,2),(0,1)');
        return undefined;
      },
    },
  ];

  return {
    commands,
    reset: () => {
      cfg = defaults();
      broker = undefined;
    },
  };
}
