import test from 'ava';
import { bootModule } from '../firmware-stubs/index.ts';
import { loadModuleProfile } from '../src/hardware/index.ts';

const BG95 = loadModuleProfile('quectel-bg95');
const TMGI = '00000A00F110';

async function registered(options: { psm?: boolean } = {}) {
  const m = await bootModule({ profile: 'quectel-bg95', seed: 21, network: { attachJitter: 0 } });
  await m.term.command('ATE0');
  if (options.psm) await m.term.command('AT+CPSMS=1,,,"00000110","00000001"');
  await m.term.command('AT+CEREG=1');
  await m.term.waitFor('+CEREG: 1\r\n');
  await m.clock.sleep(BG95.timing.rrcInactivityMs); // RRC released after the attach
  return m;
}

test('#XMBMSCFG: disabled by default, read back, CME 3 while disabled', async (t) => {
  await using m = await registered();
  t.is(await m.term.command('AT#XMBMSCFG?'), '\r\n#XMBMSCFG: 0\r\n\r\nOK\r\n');
  t.is(await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`), '\r\n+CME ERROR: 3\r\n');
  t.is(await m.term.command('AT#XMBMSCFG=1'), '\r\nOK\r\n');
  t.is(await m.term.command('AT#XMBMSCFG?'), '\r\n#XMBMSCFG: 1\r\n\r\nOK\r\n');
  t.is(await m.term.command('AT#XMBMSSRV=1,"12345"'), '\r\n+CME ERROR: 50\r\n', 'TMGI must be 12 hex digits');
});

test('#XMBMSSRV needs registration: CME 30 (no network service) before attach', async (t) => {
  await using m = await bootModule({ profile: 'quectel-bg95', seed: 21 });
  await m.term.command('ATE0;+CFUN=0;#XMBMSCFG=1');
  t.is(await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`), '\r\n+CME ERROR: 30\r\n');
});

test('join, session start, file delivery, session end, leave: URCs, file system and current', async (t) => {
  await using m = await registered();
  await m.term.command('AT#XMBMSCFG=1');
  let from = m.term.mark();
  t.is(await m.term.command(`AT#XMBMSSRV=1,"${TMGI.toLowerCase()}"`), '\r\nOK\r\n');
  await m.term.waitFor(`#XMBMSR: "${TMGI}",1\r\n`, { from });
  t.is(await m.term.command('AT#XMBMSSRV?'), `\r\n#XMBMSSRV: "${TMGI}",1\r\n\r\nOK\r\n`);

  t.is(m.module.state.current.state, 'idle');
  from = m.term.mark();
  m.module.multicast.sessionStarted(TMGI);
  await m.term.waitFor(`#XMBMSR: "${TMGI}",2\r\n`, { from });
  t.is(m.module.state.current.state, 'connected', 'reception draws the connected current');
  t.is(m.module.state.current.uA, BG95.current.connected.uA);

  const bytes = Buffer.from('version=2\nfirmware image bytes');
  const delivered = await m.module.multicast.deliverFile(TMGI, {
    contentLocation: 'http://fota.example/fw/update-2.bin',
    bytes,
    status: 0,
  });
  t.deepEqual(delivered, { stored: true, name: 'update-2.bin' });
  await m.term.waitFor(`#XMBMSFILE: "${TMGI}","http://fota.example/fw/update-2.bin",${bytes.length},0\r\n`, {
    from,
  });
  t.deepEqual(m.module.files.read('update-2.bin'), bytes);
  t.regex(await m.term.command('AT+QFLST'), new RegExp(`\\+QFLST: "update-2.bin",${bytes.length}\r\n`));

  const bad = await m.module.multicast.deliverFile(TMGI, {
    contentLocation: 'http://fota.example/fw/other.bin',
    bytes,
    status: 2,
  });
  t.true(bad.stored);
  await m.term.waitFor(`#XMBMSFILE: "${TMGI}","http://fota.example/fw/other.bin",${bytes.length},2\r\n`, {
    from,
  });

  m.module.multicast.sessionEnded(TMGI);
  await m.term.waitFor(`#XMBMSR: "${TMGI}",3\r\n`, { from });
  t.is(m.module.state.current.state, 'idle', 'reception over');
  // The session is over but the service is still held: a file the client completes by repair lands.
  const repaired = await m.module.multicast.deliverFile(TMGI, {
    contentLocation: 'x/repaired.bin',
    bytes,
    status: 0,
  });
  t.true(repaired.stored);
  await m.term.waitFor(`#XMBMSFILE: "${TMGI}","x/repaired.bin",${bytes.length},0\r\n`, { from });

  t.is(await m.term.command(`AT#XMBMSSRV=0,"${TMGI}"`), '\r\nOK\r\n');
  await m.term.waitFor(`#XMBMSR: "${TMGI}",0\r\n`, { from });
  const late = await m.module.multicast.deliverFile(TMGI, {
    contentLocation: 'x/late.bin',
    bytes,
    status: 0,
  });
  t.deepEqual(late, { stored: false, reason: 'not-receiving' });
  t.is(await m.term.command('AT#XMBMSSRV?'), '\r\nOK\r\n');
  t.is(await m.term.command(`AT#XMBMSSRV=0,"${TMGI}"`), '\r\n+CME ERROR: 3\r\n', 'not active');
});

test('joining while a session is already on air goes straight to receiving', async (t) => {
  await using m = await registered();
  m.module.multicast.sessionStarted(TMGI);
  await m.term.command('AT#XMBMSCFG=1');
  const from = m.term.mark();
  await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`);
  await m.term.waitFor(`#XMBMSR: "${TMGI}",1\r\n\r\n#XMBMSR: "${TMGI}",2\r\n`, { from });
  t.true(m.module.multicast.receiving);
});

test('an activated service keeps the module out of PSM; leaving lets it sleep', async (t) => {
  await using m = await registered({ psm: true });
  await m.term.command('AT#XMBMSCFG=1');
  await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`);
  await m.clock.sleep(BG95.timing.rrcInactivityMs + 120_000);
  t.is(m.module.state.power, 'on');
  t.false(m.term.text.includes('PSM POWER DOWN'));
  const from = m.term.mark();
  await m.term.command(`AT#XMBMSSRV=0,"${TMGI}"`);
  await m.term.waitFor('PSM POWER DOWN\r\n', { from });
});

test('#XMBMSCFG=0 drops services silently; deregistration drops them with cause 1', async (t) => {
  await using m = await registered();
  await m.term.command('AT#XMBMSCFG=1');
  await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`);
  const from = m.term.mark();
  await m.term.command('AT+CFUN=0');
  await m.term.waitFor(`#XMBMSR: "${TMGI}",0,1\r\n`, { from });
  t.deepEqual(m.module.state.multicast, []);
  await m.term.command('AT+CFUN=1');
  await m.term.waitFor('+CEREG: 1\r\n', { from });
  await m.term.command(`AT#XMBMSSRV=1,"${TMGI}"`);
  const joined = await m.term.waitFor(`#XMBMSR: "${TMGI}",1\r\n`, { from: m.term.mark() - 40 });
  const q = joined.end;
  await m.term.command('AT#XMBMSCFG=0');
  await m.clock.sleep(10);
  t.is(m.term.text.slice(q), '\r\nOK\r\n');
  t.deepEqual(m.module.state.multicast, []);
});
