import test from 'ava';
import { imeiCheckDigit } from '../src/at/index.ts';
import { selectDialect } from '../src/modem/dialects/index.ts';
import { DialectMismatchError, FotaError, Modem, UnsupportedError } from '../src/modem/index.ts';
import { nextEvents } from './helpers/modem-events.ts';
import { enginePair, type PeerSide, type Reply, scriptedPeer } from './helpers/scripted-peer.ts';

// Canned transcripts after the SIM7080 AT manual and field logs as summarised in at-modules.md §3.5, fed
// through the scripted peer: a test double for the module, since no SIM7080G is attached here.

const OK = '\r\nOK\r\n';
const IMEI = `86769804012345${imeiCheckDigit('86769804012345')}`;

type Script = (cmd: string, m: PeerSide) => Reply | Reply[] | undefined;

/** A SIM7080G: echo on until ATE0, identification as in hardware/modules/simcom-sim7080g.yaml. */
function sim7080(extra: Script = () => undefined, state = { revision: '1951B16SIM7080' }) {
  const { clock, device, engine } = enginePair();
  let echo = true;
  let appPdp = false;
  const peer = scriptedPeer(device, clock, (cmd, side) => {
    const out: Reply[] = echo ? [`${cmd}\r`] : [];
    const reply = extra(cmd, side) ?? base(cmd);
    if (cmd === 'ATE0') echo = false;
    return [...out, ...[reply].flat()];
  });
  function base(cmd: string): Reply | Reply[] {
    switch (cmd) {
      case 'AT+CMEE?':
        return `\r\n+CMEE: 0${OK}`;
      case 'ATI':
        return `\r\nR1951.07${OK}`;
      case 'AT+CGMI':
        return `\r\nSIMCOM_Ltd${OK}`;
      case 'AT+CGMM':
        return `\r\nSIMCOM_SIM7080G${OK}`;
      case 'AT+CGMR':
        return `\r\nRevision:${state.revision}${OK}`;
      case 'AT+CGSN':
        return `\r\n${IMEI}${OK}`;
      case 'AT+CNACT?':
        return `\r\n+CNACT: 0,${appPdp ? 1 : 0},"${appPdp ? '10.0.0.2' : '0.0.0.0'}"${OK}`;
      case 'AT+CNACT=0,1':
        appPdp = true;
        return [OK, '\r\n+APP PDP: 0,ACTIVE\r\n'];
      case 'ATE0':
      case 'AT+CMEE=2':
      case 'AT+CEREG=5':
      case 'AT+CSCON=1':
      case 'AT+CPSMSTATUS=1':
        return OK;
      default:
        return '\r\nERROR\r\n';
    }
  }
  return { clock, engine, peer, open: () => Modem.open(engine, { clock }) };
}

test('identification picks the SIMCom dialect and the SIM7080G profile; set-up enables +CPSMSTATUS', async (t) => {
  const m = sim7080();
  m.peer.write('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS Ready\r\n');
  const modem = await m.open();
  t.is(modem.identity.dialect, 'simcom');
  t.is(modem.identity.profileId, 'simcom-sim7080g');
  t.is(modem.identity.revision, '1951B16SIM7080');
  t.deepEqual(modem.identity.ati, ['R1951.07']);
  t.true(m.peer.received.includes('AT+CPSMSTATUS=1'));
  t.is(modem.dialect.rebootCommand, 'AT+CFUN=1,1');
  const other = {
    manufacturer: 'SIMCOM INCORPORATED',
    model: 'SIMCOM_SIM7080G',
    revision: '',
    imei: '',
    ati: [],
  };
  t.is(selectDialect(other).id, 'simcom');
  t.is(selectDialect(other).profileFor(other), 'simcom-sim7080g');
  modem.close();
});

test('a Nordic module where the bench expects SIMCom is a DialectMismatchError naming it', async (t) => {
  const { clock, device, engine } = enginePair();
  scriptedPeer(device, clock, (cmd) => {
    if (cmd === 'AT+CMEE?') return `\r\n+CMEE: 1${OK}`;
    if (cmd === 'AT+CGMI') return `\r\nNordic Semiconductor ASA${OK}`;
    if (cmd === 'AT+CGMM') return `\r\nnRF9160-SICA${OK}`;
    if (cmd === 'AT+CGMR') return `\r\nmfw_nrf9160_1.3.5${OK}`;
    if (cmd === 'AT+CGSN') return `\r\n${IMEI}${OK}`;
    return OK;
  });
  const err = await t.throwsAsync(Modem.open(engine, { clock, expect: { dialect: 'simcom' } }), {
    instanceOf: DialectMismatchError,
  });
  t.regex(err.message, /expects a simcom module.*Nordic Semiconductor ASA nRF9160-SICA \(nordic dialect\)/);
});

test('granted PSM from AT+CPSMRDP (network values in seconds, as field logs show)', async (t) => {
  let line = '+CPSMRDP: 1,20,14400,60,3600,0';
  const m = sim7080((cmd) => {
    if (cmd === 'AT+CPSMS?') return `\r\n+CPSMS: 1,,,"00011000","00001010"${OK}`;
    if (cmd === 'AT+CPSMRDP') return `\r\n${line}${OK}`;
    if (cmd === 'AT+CEREG?') return `\r\n+CEREG: 5,1,"002F","0012BEEF",7${OK}`;
    return undefined;
  });
  const modem = await m.open();
  const psm = await modem.readPsm();
  t.is(psm.requested.periodicTau?.seconds, 4 * 3600);
  t.is(psm.granted?.activeTime?.seconds, 60);
  t.is(psm.granted?.periodicTau?.seconds, 3600);
  t.is(psm.granted?.periodicTau?.deactivated, false);
  t.is(psm.grantedFrom, 'simcom vendor command');

  line = '+CPSMRDP: 1,20,14400,"00100010","11100000","00101010"'; // octets; TAU-ext off → legacy T3412
  const octets = await modem.readPsm();
  t.is(octets.granted?.activeTime?.seconds, 2 * 60);
  t.is(octets.granted?.periodicTau?.seconds, 10 * 60);

  line = '+CPSMRDP: 0,20,14400,0,0,3600'; // PSM not in use: no grant here, +CEREG has none either
  const none = await modem.readPsm();
  t.is(none.granted, undefined);
  modem.close();
});

test('+CPSMSTATUS URCs map to psm and awake', async (t) => {
  const m = sim7080();
  const modem = await m.open();
  const events = nextEvents(modem, 'power-save', 2);
  m.peer.write('\r\n+CPSMSTATUS: "ENTER PSM"\r\n\r\n+CPSMSTATUS: "EXIT PSM"\r\n');
  const [enter, exit] = await events;
  t.like(enter, { state: 'psm', source: '+CPSMSTATUS: "ENTER PSM"' });
  t.like(exit, { state: 'awake', source: '+CPSMSTATUS: "EXIT PSM"' });
  modem.close();
});

const BINARY = Buffer.from([0x7b, 0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0xff, 0x3e, 0x22, 0x7d]);

test('MQTT: SMCONF, SMCONN, SMSUB; SMPUB goes through the > prompt with the bytes on the wire; +SMSUB delivers', async (t) => {
  const m = sim7080((cmd, side) => {
    switch (cmd) {
      case 'AT+SMCONF="URL","127.0.0.1",1883':
      case 'AT+SMCONF="CLIENTID","rig-dut-03"':
      case 'AT+SMCONF="KEEPTIME",60':
      case 'AT+SMSUB="fw/multicast/+",1':
      case 'AT+SMDISC':
        return OK;
      case 'AT+SMCONN':
        return { after: 2_000, send: OK };
      case `AT+SMPUB="dut/status",${BINARY.length},1,0`:
        side.expectPayload(BINARY.length, () => OK);
        return '\r\n> ';
      default:
        return undefined;
    }
  });
  const modem = await m.open();
  await modem.mqttConnect({ host: '127.0.0.1', port: 1883, clientId: 'rig-dut-03', keepAliveS: 60 });
  await modem.mqttSubscribe('fw/multicast/+', 1);
  await modem.mqttPublish('dut/status', BINARY, 1);
  t.deepEqual(m.peer.payloads, [BINARY]);
  const incoming = nextEvents(modem, 'mqtt-message', 1);
  m.peer.write('\r\n+SMSUB: "fw/multicast/x","{"v":"1.2.3"}"\r\n');
  const [msg] = await incoming;
  t.is(msg?.topic, 'fw/multicast/x');
  t.is(msg?.payload.toString(), '{"v":"1.2.3"}');
  await modem.mqttDisconnect();
  modem.close();
});

test('files: a 25 000-byte upload goes in 10240-byte CFSWFILE chunks (append after the first) and reads back', async (t) => {
  const store = new Map<string, Buffer>();
  const image = Buffer.from(Array.from({ length: 25_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
  const m = sim7080((cmd, side) => {
    if (cmd === 'AT+CFSINIT' || cmd === 'AT+CFSTERM') return OK;
    const w = /^AT\+CFSWFILE=(\d),"([^"]+)",([01]),(\d+),10000$/.exec(cmd);
    if (w) {
      side.expectPayload(Number(w[4]), (bytes) => {
        const key = `${w[1]}/${w[2]}`;
        store.set(
          key,
          Buffer.concat([w[3] === '1' ? (store.get(key) ?? Buffer.alloc(0)) : Buffer.alloc(0), bytes]),
        );
        return OK;
      });
      return '\r\nDOWNLOAD\r\n';
    }
    const s = /^AT\+CFSGFIS=(\d),"([^"]+)"$/.exec(cmd);
    if (s) {
      const file = store.get(`${s[1]}/${s[2]}`);
      return file ? `\r\n+CFSGFIS: ${file.length}${OK}` : '\r\nERROR\r\n';
    }
    const r = /^AT\+CFSRFILE=(\d),"([^"]+)",([01]),(\d+),(\d+)$/.exec(cmd);
    if (r) {
      const file = store.get(`${r[1]}/${r[2]}`) ?? Buffer.alloc(0);
      const from = r[3] === '1' ? Number(r[5]) : 0;
      const part = file.subarray(from, from + Number(r[4]));
      return Buffer.concat([Buffer.from(`\r\n+CFSRFILE: ${part.length}\r\n`), part, Buffer.from(OK)]);
    }
    return undefined;
  });
  const modem = await m.open();
  await modem.uploadFile('/fota/update.zip', image);
  t.deepEqual(
    m.peer.received.filter((c) => c.startsWith('AT+CFSWFILE')),
    [
      'AT+CFSWFILE=1,"update.zip",0,10240,10000',
      'AT+CFSWFILE=1,"update.zip",1,10240,10000',
      'AT+CFSWFILE=1,"update.zip",1,4520,10000',
    ],
  );
  t.deepEqual(store.get('1/update.zip'), image);
  t.deepEqual(await modem.readFile('/fota/update.zip'), image);
  t.is(m.peer.received.filter((c) => c === 'AT+CFSINIT').length, 2);
  t.is(m.peer.received.filter((c) => c === 'AT+CFSTERM').length, 2);
  await t.throwsAsync(modem.listFiles(), { instanceOf: UnsupportedError });
  modem.close();
});

test('FOTA: a URL is fetched with HTTPTOFS, AT+CFOTA=1 runs, "Update successfully" ends in done', async (t) => {
  const state = { revision: '1951B16SIM7080' };
  const m = sim7080((cmd) => {
    if (cmd === 'AT+HTTPTOFS="http://127.0.0.1:8080/delta.zip","/fota/update.zip"') {
      return [OK, { after: 30_000, send: '\r\n+HTTPTOFS: 200,123456\r\n' }];
    }
    if (cmd === 'AT+CFOTA=1') {
      state.revision = '1951B17SIM7080';
      return [
        OK,
        { after: 1_000, send: '\r\n+CFOTA: "Start to update"\r\n' },
        { after: 30_000, send: '\r\n+CFOTA: "Updating",40\r\n' },
        { after: 60_000, send: '\r\n+CFOTA: "Updating",100\r\n' },
        { after: 61_000, send: '\r\n+CFOTA: "Update successfully, please wait for reset"\r\n' },
        { after: 70_000, send: '\r\nRDY\r\n' },
      ];
    }
    return undefined;
  }, state);
  const modem = await m.open();
  const progress = nextEvents(modem, 'fota', 5);
  t.is(await modem.firmwareUpdate('http://127.0.0.1:8080/delta.zip'), '1951B17SIM7080');
  t.deepEqual(
    (await progress).map((e) => [e.stage, 'percent' in e ? e.percent : undefined]),
    [
      ['downloading', 100],
      ['installing', 0],
      ['installing', 40],
      ['installing', 100],
      ['done', undefined],
    ],
  );
  modem.close();
});

test('FOTA: "Update failed" is a FotaError; a failed HTTPTOFS download never starts CFOTA', async (t) => {
  const m = sim7080((cmd) => {
    if (cmd === 'AT+CFOTA=1') {
      return [OK, { after: 10_000, send: '\r\n+CFOTA: "Update failed, please wait for reset"\r\n' }];
    }
    if (cmd.startsWith('AT+HTTPTOFS=')) return [OK, { after: 5_000, send: '\r\n+HTTPTOFS: 404,0\r\n' }];
    return undefined;
  });
  const modem = await m.open();
  await t.throwsAsync(modem.firmwareUpdate('/fota/update.zip'), {
    instanceOf: FotaError,
    message: /Update failed/,
  });
  const cfotaCount = m.peer.received.filter((c) => c === 'AT+CFOTA=1').length;
  await t.throwsAsync(modem.firmwareUpdate('http://127.0.0.1:8080/missing.zip'), {
    instanceOf: FotaError,
    message: /\+HTTPTOFS: 404/,
  });
  t.is(m.peer.received.filter((c) => c === 'AT+CFOTA=1').length, cfotaCount);
  modem.close();
});
