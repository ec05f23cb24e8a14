import test from 'ava';
import { imeiCheckDigit } from '../src/at/index.ts';
import { DialectMismatchError, FotaError, Modem, MqttError } from '../src/modem/index.ts';
import { nextEvents } from './helpers/modem-events.ts';
import { enginePair, type PeerSide, type Reply, scriptedPeer } from './helpers/scripted-peer.ts';

// Canned transcripts after the SARA-R5/R4 AT manuals as summarised in at-modules.md §3.3, fed through the
// scripted peer: a test double for the module, since no SARA-R5 is attached here.

const OK = '\r\nOK\r\n';
const IMEI = `35412511004221${imeiCheckDigit('35412511004221')}`;

type Script = (cmd: string, m: PeerSide) => Reply | Reply[] | undefined;

/** A SARA-R510M8S: echo on until ATE0, identification as in hardware/modules/ublox-sara-r5.yaml. */
function saraR5(extra: Script = () => undefined, state = { revision: '03.15' }) {
  const { clock, device, engine } = enginePair();
  let echo = true;
  const peer = scriptedPeer(device, clock, (cmd, side) => {
    const out: Reply[] = echo ? [`${cmd}\r`] : [];
    const reply = extra(cmd, side) ?? base(cmd);
    if (cmd === 'ATE0') echo = false;
    return [...out, ...[reply].flat()];
  });
  function base(cmd: string): Reply | Reply[] {
    switch (cmd) {
      case 'AT+CMEE?':
        return `\r\n+CMEE: 2${OK}`;
      case 'ATI':
        return `\r\nSARA-R510M8S-01B${OK}`;
      case 'AT+CGMI':
        return `\r\nu-blox${OK}`;
      case 'AT+CGMM':
        return `\r\nSARA-R510M8S-01B${OK}`;
      case 'AT+CGMR':
        return `\r\n${state.revision}${OK}`;
      case 'AT+CGSN':
        return `\r\n${IMEI}${OK}`;
      case 'ATE0':
      case 'AT+CMEE=2':
      case 'AT+CEREG=5':
      case 'AT+CSCON=1':
      case 'AT+UPSMR=1':
        return OK;
      default:
        return '\r\nERROR\r\n';
    }
  }
  return { clock, engine, peer, open: () => Modem.open(engine, { clock }) };
}

test('identification picks the u-blox dialect and the SARA-R5 profile, and set-up enables +UUPSMR', async (t) => {
  const m = saraR5();
  const modem = await m.open();
  t.is(modem.identity.dialect, 'ublox');
  t.is(modem.identity.profileId, 'ublox-sara-r5');
  t.is(modem.identity.revision, '03.15');
  t.true(m.peer.received.includes('AT+UPSMR=1'));
  t.is(modem.dialect.rebootCommand, 'AT+CFUN=16');
  modem.close();
});

test('a Quectel module where the bench expects u-blox is a DialectMismatchError naming what was seen', async (t) => {
  const { clock, device, engine } = enginePair();
  scriptedPeer(device, clock, (cmd) => {
    switch (cmd) {
      case 'AT+CMEE?':
        return `\r\n+CMEE: 0${OK}`;
      case 'ATI':
        return `\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03${OK}`;
      case 'AT+CGMI':
        return `\r\nQuectel${OK}`;
      case 'AT+CGMM':
        return `\r\nBG95-M3${OK}`;
      case 'AT+CGMR':
        return `\r\nBG95M3LAR02A03${OK}`;
      case 'AT+CGSN':
        return `\r\n${IMEI}${OK}`;
      default:
        return OK;
    }
  });
  const err = await t.throwsAsync(Modem.open(engine, { clock, expect: { dialect: 'ublox' } }), {
    instanceOf: DialectMismatchError,
  });
  t.regex(err.message, /expects a ublox module/);
  t.regex(err.message, /Quectel BG95-M3 \(quectel dialect\)/);
});

test('granted PSM comes from AT+UCPSMS? (extended TAU) while AT+CPSMS? holds the request', async (t) => {
  const m = saraR5((cmd) => {
    if (cmd === 'AT+CPSMS?') return `\r\n+CPSMS: 1,,,"00000100","00000101"${OK}`;
    if (cmd === 'AT+UCPSMS?') return `\r\n+UCPSMS: 1,,,"00000110","00100001",1${OK}`;
    return undefined;
  });
  const modem = await m.open();
  const psm = await modem.readPsm();
  t.true(psm.enabled);
  t.is(psm.requested.periodicTau?.seconds, 40 * 60);
  t.is(psm.requested.activeTime?.seconds, 10);
  t.is(psm.granted?.periodicTau?.seconds, 3600);
  t.is(psm.granted?.activeTime?.seconds, 60);
  t.is(psm.grantedFrom, 'ublox vendor command');
  modem.close();
});

test('+UCPSMS format type 0 reads the TAU as legacy T3412 (GPRS Timer units), not as T3412-extended', async (t) => {
  const m = saraR5((cmd) => {
    if (cmd === 'AT+CPSMS?') return `\r\n+CPSMS: 1,,,"00000110","00100001"${OK}`;
    if (cmd === 'AT+UCPSMS?') return `\r\n+UCPSMS: 1,,,"00101010","00000101",0${OK}`;
    return undefined;
  });
  const modem = await m.open();
  const psm = await modem.readPsm();
  t.is(psm.granted?.periodicTau?.seconds, 10 * 60); // 001 = 1 min as GPRS Timer; as Timer 3 it would be 10 h
  t.is(psm.granted?.activeTime?.seconds, 10);
  modem.close();
});

test('+UUPSMR URCs map to psm, awake and psm-blocked events', async (t) => {
  const m = saraR5();
  const modem = await m.open();
  const events = nextEvents(modem, 'power-save', 3);
  m.peer.write('\r\n+UUPSMR: 1\r\n\r\n+UUPSMR: 0\r\n\r\n+UUPSMR: 2,3\r\n');
  const [enter, exit, blocked] = await events;
  t.is(enter?.state, 'psm');
  t.is(exit?.state, 'awake');
  t.like(blocked, { state: 'psm-blocked', source: '+UUPSMR: 2,3' });
  t.regex((blocked as { reason?: string }).reason ?? '', /client 3/);
  modem.close();
});

const BINARY = Buffer.from([
  0x00, 0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0xff, 0x3e, 0x22, 0x2c, 0x01, 0x02, 0x03, 0x0d, 0x41,
]);

function mqttBroker(publishAnswer: 'immediate' | 'urc-fail'): Script {
  return (cmd, side) => {
    switch (cmd) {
      case 'AT+UMQTT=0,"rig-dut-02"':
        return `\r\n+UMQTT: 0,1${OK}`;
      case 'AT+UMQTT=2,"127.0.0.1",1883':
        return `\r\n+UMQTT: 2,1${OK}`;
      case 'AT+UMQTTC=1':
        return [`\r\n+UMQTTC: 1,1${OK}`, { after: 300, send: '\r\n+UUMQTTC: 1,1\r\n' }];
      case 'AT+UMQTTC=4,1,"fw/multicast/+"':
        return [`\r\n+UMQTTC: 4,1${OK}`, { after: 200, send: '\r\n+UUMQTTC: 4,1,1,"fw/multicast/+"\r\n' }];
      case `AT+UMQTTC=9,1,0,"dut/bin",${BINARY.length}`:
        side.expectPayload(BINARY.length, () =>
          publishAnswer === 'immediate'
            ? `\r\n+UMQTTC: 9,1${OK}`
            : [OK, { after: 500, send: '\r\n+UUMQTTC: 9,0\r\n' }],
        );
        return '\r\n>';
      case 'AT+UMQTTC=6':
        return `\r\n+UMQTTC: 6,1,17,5,"a/b/c",12,"hello, world"${OK}`;
      case 'AT+UMQTTC=0':
        return `\r\n+UMQTTC: 0,1${OK}`;
      default:
        return undefined;
    }
  };
}

test('MQTT: login waits for +UUMQTTC: 1,1; binary publish goes through the > prompt with the bytes on the wire', async (t) => {
  const m = saraR5(mqttBroker('immediate'));
  const modem = await m.open();
  await modem.mqttConnect({ host: '127.0.0.1', port: 1883, clientId: 'rig-dut-02' });
  await modem.mqttSubscribe('fw/multicast/+', 1);
  await modem.mqttPublish('dut/bin', BINARY, 1);
  t.deepEqual(m.peer.payloads, [BINARY]);
  t.true(m.peer.received.includes(`AT+UMQTTC=9,1,0,"dut/bin",${BINARY.length}`));
  await modem.mqttDisconnect();
  modem.close();
});

test('MQTT: a publish the broker rejects (+UUMQTTC: 9,0) is an MqttError', async (t) => {
  const m = saraR5(mqttBroker('urc-fail'));
  const modem = await m.open();
  await modem.mqttConnect({ host: '127.0.0.1', port: 1883, clientId: 'rig-dut-02' });
  await t.throwsAsync(modem.mqttPublish('dut/bin', BINARY, 1), {
    instanceOf: MqttError,
    message: /dut\/bin/,
  });
  modem.close();
});

test('MQTT: +UUMQTTC: 6,<n> makes the dialect read the message with AT+UMQTTC=6 and Modem emits it', async (t) => {
  const m = saraR5(mqttBroker('immediate'));
  const modem = await m.open();
  await modem.mqttConnect({ host: '127.0.0.1', port: 1883, clientId: 'rig-dut-02' });
  const incoming = nextEvents(modem, 'mqtt-message', 1);
  m.peer.write('\r\n+UUMQTTC: 6,1\r\n');
  const [msg] = await incoming;
  t.is(msg?.topic, 'a/b/c');
  t.is(msg?.payload.toString(), 'hello, world');
  t.true(m.peer.received.includes('AT+UMQTTC=6'));
  modem.close();
});

test('FOAT: a .dof goes up under the FOAT tag, AT+UFWINSTALL runs, +UUFWINSTALL: 128 ends in done', async (t) => {
  const state = { revision: '03.15' };
  const image = Buffer.alloc(3000, 0xa5);
  const name = 'SARA-R510M8S-01B-00_FW03.25_A00.01.dof';
  const m = saraR5((cmd, side) => {
    if (cmd === `AT+UDELFILE="${name}","FOAT"`) return '\r\n+CME ERROR: FILE NOT FOUND\r\n';
    if (cmd === `AT+UDWNFILE="${name}",${image.length},"FOAT"`) {
      side.expectPayload(image.length, () => OK);
      return '\r\n>';
    }
    if (cmd === 'AT+UFWINSTALL') {
      state.revision = '03.25';
      return [
        OK,
        { after: 1_000, send: '\r\n+UUFWINSTALL: 1\r\n' },
        { after: 60_000, send: '\r\n+UUFWINSTALL: 50\r\n' },
        { after: 120_000, send: '\r\n+UUFWINSTALL: 100\r\n' },
        { after: 121_000, send: '\r\n+UUFWINSTALL: 128\r\n' },
      ];
    }
    return undefined;
  }, state);
  const modem = await m.open();
  await modem.uploadFile(name, image);
  t.deepEqual(m.peer.payloads, [image]);
  const progress = nextEvents(modem, 'fota', 4);
  const revision = await modem.firmwareUpdate(name);
  t.is(revision, '03.25');
  t.deepEqual(
    (await progress).map((e) => [e.stage, 'percent' in e ? e.percent : undefined]),
    [
      ['installing', 1],
      ['installing', 50],
      ['installing', 100],
      ['done', undefined],
    ],
  );
  modem.close();
});

test('FOAT: an install error code (+UUFWINSTALL: 133) is a FotaError', async (t) => {
  const m = saraR5((cmd) =>
    cmd === 'AT+UFWINSTALL' ? [OK, { after: 5_000, send: '\r\n+UUFWINSTALL: 133\r\n' }] : undefined,
  );
  const modem = await m.open();
  await t.throwsAsync(modem.firmwareUpdate('upd.dof'), {
    instanceOf: FotaError,
    message: /\+UUFWINSTALL: 133/,
  });
  modem.close();
});

test('files: list with sizes, read back text and binary files whose data travels inside the line', async (t) => {
  const m = saraR5((cmd) => {
    switch (cmd) {
      case 'AT+ULSTFILE=0':
        return `\r\n+ULSTFILE: "report.json","note.txt"${OK}`;
      case 'AT+ULSTFILE=2,"report.json"':
        return `\r\n+ULSTFILE: 2048${OK}`;
      case 'AT+ULSTFILE=2,"note.txt"':
        return `\r\n+ULSTFILE: 11${OK}`;
      case 'AT+URDFILE="note.txt"':
        return `\r\n+URDFILE: "note.txt",11,"hello, rig!"${OK}`;
      case 'AT+URDFILE="blob.bin"':
        return Buffer.concat([
          Buffer.from('\r\n+URDFILE: "blob.bin",9,"a'),
          Buffer.from([0x00, 0x0d, 0x0a, 0x22, 0x4f, 0x4b, 0x0d, 0x0a]),
          Buffer.from(`"${OK}`),
        ]);
      default:
        return undefined;
    }
  });
  const modem = await m.open();
  t.deepEqual(await modem.listFiles(), [
    { name: 'report.json', size: 2048 },
    { name: 'note.txt', size: 11 },
  ]);
  t.is((await modem.readFile('note.txt')).toString(), 'hello, rig!');
  t.deepEqual(
    await modem.readFile('blob.bin'),
    Buffer.from([0x61, 0x00, 0x0d, 0x0a, 0x22, 0x4f, 0x4b, 0x0d, 0x0a]),
  );
  modem.close();
});
