import test from 'ava';
import {
  AtParseError,
  ceregForm,
  checkImei,
  cmeErrorCode,
  cmeErrorText,
  cmsErrorText,
  errorText,
  formatCclkSet,
  formatCedrxsSet,
  formatCeregSet,
  formatCfunSet,
  formatCgdcontSet,
  formatCmeeSet,
  formatCopsSet,
  formatCpsmsSet,
  formatCsconSet,
  formatSetCommand,
  imeiCheckDigit,
  isRegistered,
  parseCclk,
  parseCedrxp,
  parseCedrxrdp,
  parseCedrxsRead,
  parseCereg,
  parseCeregRead,
  parseCeregUrc,
  parseCesq,
  parseCfun,
  parseCgdcontRead,
  parseCgmi,
  parseCgmm,
  parseCgmr,
  parseCgsn,
  parseCmee,
  parseCopsRead,
  parseCpsmsRead,
  parseCsconRead,
  parseCsconUrc,
  parseCsq,
  parseErrorResult,
  parseInfoLine,
  splitParams,
} from '../src/at/codecs/index.ts';

// Lines are from vendor manuals, field logs and shared/reference/at-modules.md §2–3.

test('splitParams: quoted strings keep commas and colons, empty parameters stay in place', (t) => {
  t.deepEqual(splitParams('1,,,"x"'), [
    { kind: 'number', value: 1, raw: '1' },
    { kind: 'empty', raw: '' },
    { kind: 'empty', raw: '' },
    { kind: 'string', value: 'x', raw: '"x"' },
  ]);
  t.deepEqual(splitParams('"a,b:c", tok ,-5'), [
    { kind: 'string', value: 'a,b:c', raw: '"a,b:c"' },
    { kind: 'token', value: 'tok', raw: 'tok' },
    { kind: 'number', value: -5, raw: '-5' },
  ]);
  t.deepEqual(splitParams(''), []);
  t.deepEqual(splitParams(','), [
    { kind: 'empty', raw: '' },
    { kind: 'empty', raw: '' },
  ]);
  // Leading zeros survive in raw: a bare "0011" is still the bit string the module printed.
  t.deepEqual(splitParams('0011'), [{ kind: 'number', value: 11, raw: '0011' }]);
});

test('splitParams: parenthesised lists and ranges of test responses', (t) => {
  const params = splitParams('(0-3),(1,2),,("IP","IPV6")');
  t.is(params.length, 4);
  t.deepEqual(params[0], {
    kind: 'list',
    raw: '(0-3)',
    items: [{ kind: 'range', min: 0, max: 3, raw: '0-3' }],
  });
  t.deepEqual(params[1], {
    kind: 'list',
    raw: '(1,2)',
    items: [
      { kind: 'number', value: 1, raw: '1' },
      { kind: 'number', value: 2, raw: '2' },
    ],
  });
  t.is(params[2]!.kind, 'empty');
  t.deepEqual(params[3], {
    kind: 'list',
    raw: '("IP","IPV6")',
    items: [
      { kind: 'string', value: 'IP', raw: '"IP"' },
      { kind: 'string', value: 'IPV6', raw: '"IPV6"' },
    ],
  });
  t.deepEqual(splitParams('()'), [{ kind: 'list', items: [], raw: '()' }]);
});

test('splitParams: malformed text throws AtParseError naming the parameter', (t) => {
  const cases: [string, RegExp][] = [
    ['1,"abc', /expected a closing quote at parameter 2/],
    ['"abc"x', /expected "," after a quoted string or list at parameter 1, got "x"/],
    ['(1,2', /expected "," or "\)" in list at parameter 1/],
    ['1)', /stray quotes or parentheses at parameter 1/],
    ['((((((((((1))))))))))', /nested at most 8 deep/],
  ];
  for (const [text, message] of cases) {
    const error = t.throws(() => splitParams(text), { instanceOf: AtParseError });
    t.regex(error.message, message);
  }
});

test('parseInfoLine: prefixes of every vendor family', (t) => {
  t.is(parseInfoLine('+CEREG: 5,1').prefix, '+CEREG');
  t.is(parseInfoLine('%XMONITOR: 5,"Telia N@"').prefix, '%XMONITOR');
  t.is(parseInfoLine('#XFOTA: 1,0,10').prefix, '#XFOTA');
  t.is(parseInfoLine('$FOO:1').prefix, '$FOO');
  t.is(parseInfoLine('+CME ERROR: 10').prefix, '+CME ERROR');
  t.deepEqual(parseInfoLine('+QIND: "FOTA","HTTPSTART"').params, [
    { kind: 'string', value: 'FOTA', raw: '"FOTA"' },
    { kind: 'string', value: 'HTTPSTART', raw: '"HTTPSTART"' },
  ]);
  const error = t.throws(() => parseInfoLine('OK'), { instanceOf: AtParseError });
  t.regex(error.message, /in line "OK"/);
});

test('error messages name command, expectation, parameter and the escaped line', (t) => {
  const error = t.throws(() => parseCeregRead('+CEREG: 5,x'), { instanceOf: AtParseError });
  t.is(error.message, '+CEREG: expected <stat> 0..10 or 90 at parameter 2, got "x" in line "+CEREG: 5,x"');
  t.is(error.command, '+CEREG');
  t.is(error.parameter, 2);
  const control = t.throws(() => parseCesq('+CESQ: 99,99\r\n\u0001'), { instanceOf: AtParseError });
  t.true(control.message.includes('\\r\\n\\x01'));
  const missing = t.throws(() => parseCsq('+CSQ: 23'), { instanceOf: AtParseError });
  t.regex(missing.message, /at least 2 parameters/);
  const wrong = t.throws(() => parseCesq('+CSQ: 23,99'), { instanceOf: AtParseError });
  t.regex(wrong.message, /^\+CESQ: expected prefix "\+CESQ:", got "\+CSQ"/);
});

test('+CEREG read with PSM timers (n=5)', (t) => {
  const cereg = parseCeregRead('+CEREG: 5,1,"002F","0012BEEF",7,,,"00100001","00000110"');
  t.is(cereg.n, 5);
  t.is(cereg.stat, 1);
  t.true(isRegistered(cereg.stat));
  t.is(cereg.tac, '002F');
  t.is(cereg.ci, '0012BEEF');
  t.is(cereg.act, 7);
  t.is(cereg.causeType, undefined);
  t.is(cereg.rejectCause, undefined);
  t.is(cereg.activeTime?.seconds, 60);
  t.is(cereg.periodicTau?.seconds, 3600);
  t.is(cereg.periodicTau?.bits, '00000110');
});

test('+CEREG URC forms for n = 1..5', (t) => {
  t.deepEqual(parseCeregUrc('+CEREG: 2'), { stat: 2 });
  t.deepEqual(parseCeregUrc('+CEREG: 1,"002F","0012BEEF",7'), {
    stat: 1,
    tac: '002F',
    ci: '0012BEEF',
    act: 7,
  });
  t.deepEqual(parseCeregUrc('+CEREG: 3,"002F","0012BEEF",7,0,15'), {
    stat: 3,
    tac: '002F',
    ci: '0012BEEF',
    act: 7,
    causeType: 0,
    rejectCause: 15,
  });
  const psm = parseCeregUrc('+CEREG: 1,"002F","0012BEEF",7,,,"11100000","00000110"');
  t.true(psm.activeTime?.deactivated);
  t.is(psm.periodicTau?.seconds, 3600);
  // Nordic without a SIM.
  t.deepEqual(parseCeregUrc('+CEREG: 90'), { stat: 90 });
  // Short cell ids are padded, lower-case hex is normalised.
  t.is(parseCeregUrc('+CEREG: 1,"2f","8c94f1",9').ci, '008C94F1');
});

test('+CEREG: read and URC told apart by the second parameter', (t) => {
  t.is(ceregForm('+CEREG: 5,90'), 'read');
  t.is(ceregForm('+CEREG: 0,1'), 'read');
  t.is(ceregForm('+CEREG: 1'), 'urc');
  t.is(ceregForm('+CEREG: 1,"002F","0012BEEF",7'), 'urc');
  t.is(ceregForm('+CEREG: 1,,,7'), 'urc');
  t.deepEqual(parseCereg('+CEREG: 5,90'), { form: 'read', n: 5, stat: 90 });
  t.deepEqual(parseCereg('+CEREG: 4'), { form: 'urc', stat: 4 });
  t.throws(() => parseCereg('+CEREG: 1,"002F","0012BEEF",7,0,15,"00100001","00000110",1'), {
    instanceOf: AtParseError,
    message: /at most 8 parameters/,
  });
  t.throws(() => parseCeregUrc('+CEREG: 1,"002F","0012BEEF",7,,,"0010001"'), {
    message: /<Active-Time> as 8 bits/,
  });
  t.is(formatCeregSet(5), 'AT+CEREG=5');
});

test('+COPS read and set', (t) => {
  t.deepEqual(parseCopsRead('+COPS: 0,2,"26201",9'), { mode: 0, format: 2, operator: '26201', act: 9 });
  t.deepEqual(parseCopsRead('+COPS: 0'), { mode: 0 });
  t.deepEqual(parseCopsRead('+COPS: 1,0,"Telia N@",7'), { mode: 1, format: 0, operator: 'Telia N@', act: 7 });
  t.throws(() => parseCopsRead('+COPS: 0,2,"2620",9'), { message: /<oper>/ });
  t.throws(() => parseCopsRead('+COPS: 5'), { message: /<mode> 0..4/ });
  t.is(formatCopsSet({ mode: 0 }), 'AT+COPS=0');
  t.is(formatCopsSet({ mode: 1, format: 2, operator: '26201', act: 9 }), 'AT+COPS=1,2,"26201",9');
  t.is(formatCopsSet({ mode: 3, format: 2 }), 'AT+COPS=3,2');
  t.throws(() => formatCopsSet({ mode: 1, operator: '26201' }), { instanceOf: RangeError });
});

test('+CFUN, +CMEE, +CSCON', (t) => {
  t.deepEqual(parseCfun('+CFUN: 1'), { fun: 1 });
  t.deepEqual(parseCfun('+CFUN: 4'), { fun: 4 });
  t.is(formatCfunSet(0), 'AT+CFUN=0');
  t.is(formatCfunSet(1, true), 'AT+CFUN=1,1');
  t.is(parseCmee('+CMEE: 2'), 2);
  t.throws(() => parseCmee('+CMEE: 3'), { instanceOf: AtParseError });
  t.is(formatCmeeSet(1), 'AT+CMEE=1');
  t.deepEqual(parseCsconUrc('+CSCON: 1'), { mode: 1, connected: true });
  t.deepEqual(parseCsconUrc('+CSCON: 0,7'), { mode: 0, connected: false, state: 7 });
  t.deepEqual(parseCsconRead('+CSCON: 1,0'), { n: 1, mode: 0, connected: false });
  t.deepEqual(parseCsconRead('+CSCON: 3,1,7,4'), { n: 3, mode: 1, connected: true, state: 7, access: 4 });
  t.is(formatCsconSet(1), 'AT+CSCON=1');
});

test('+CESQ: RSRP/RSRQ bands, unknowns as null', (t) => {
  const cesq = parseCesq('+CESQ: 99,99,255,255,31,62');
  t.deepEqual(
    { rxlev: cesq.rxlev, ber: cesq.ber, rscp: cesq.rscp, ecno: cesq.ecno, rsrq: cesq.rsrq, rsrp: cesq.rsrp },
    { rxlev: null, ber: null, rscp: null, ecno: null, rsrq: 31, rsrp: 62 },
  );
  // 62 → −79 ≤ RSRP < −78 dBm; 31 → −4.5 ≤ RSRQ < −4 dB.
  t.deepEqual(cesq.rsrpDbm, { min: -79, max: -78 });
  t.deepEqual(cesq.rsrqDb, { min: -4.5, max: -4 });
  const none = parseCesq('+CESQ: 99,99,255,255,255,255');
  t.is(none.rsrpDbm, null);
  t.is(none.rsrqDb, null);
  t.deepEqual(parseCesq('+CESQ: 99,99,255,255,0,0').rsrpDbm, { min: null, max: -140 });
  t.deepEqual(parseCesq('+CESQ: 99,99,255,255,34,97').rsrqDb, { min: -3, max: null });
  t.deepEqual(parseCesq('+CESQ: 99,99,255,255,34,97').rsrpDbm, { min: -44, max: null });
  t.throws(() => parseCesq('+CESQ: 99,99,255,255,35,62'), { message: /<rsrq> 0..34 or 255 at parameter 5/ });
});

test('+CSQ', (t) => {
  t.deepEqual(parseCsq('+CSQ: 23,99'), { rssi: 23, ber: null, rssiDbm: { min: -67, max: -67 } });
  t.deepEqual(parseCsq('+CSQ: 99,99'), { rssi: null, ber: null, rssiDbm: null });
  t.deepEqual(parseCsq('+CSQ: 0,0').rssiDbm, { min: null, max: -113 });
  t.deepEqual(parseCsq('+CSQ: 31,7').rssiDbm, { min: -51, max: null });
});

test('+CPSMS read and set', (t) => {
  const psm = parseCpsmsRead('+CPSMS: 1,,,"00000110","00100001"');
  t.deepEqual(psm, { mode: 1, periodicTau: '00000110', activeTime: '00100001' });
  t.deepEqual(parseCpsmsRead('+CPSMS: 0'), { mode: 0 });
  t.deepEqual(parseCpsmsRead('+CPSMS: 1,,,"10101111","01101100"').activeTime, '01101100');
  t.is(
    formatCpsmsSet({ mode: 1, periodicTau: '00000110', activeTime: '00100001' }),
    'AT+CPSMS=1,,,"00000110","00100001"',
  );
  t.is(formatCpsmsSet({ mode: 0 }), 'AT+CPSMS=0');
  t.throws(() => formatCpsmsSet({ mode: 1, periodicTau: '0110' }), { instanceOf: RangeError });
  t.throws(() => parseCpsmsRead('+CPSMS: 1,,,"0000011","00100001"'), { message: /<Requested_Periodic-TAU>/ });
});

test('+CEDRXS / +CEDRXP / +CEDRXRDP', (t) => {
  t.is(formatCedrxsSet({ mode: 2, actType: 4, requestedEdrx: '1001' }), 'AT+CEDRXS=2,4,"1001"');
  t.is(formatCedrxsSet({ mode: 0 }), 'AT+CEDRXS=0');
  t.throws(() => formatCedrxsSet({ mode: 1, requestedEdrx: '1001' }), { instanceOf: RangeError });
  const read = parseCedrxsRead('+CEDRXS: 5,"0101"');
  t.is(read.actType, 5);
  t.is(read.requestedCycle?.seconds, 81.92);

  const rdp = parseCedrxrdp('+CEDRXRDP: 4,"0011","0010","1001"');
  t.is(rdp.actType, 4);
  t.is(rdp.requestedEdrx, '0011');
  t.is(rdp.nwProvidedEdrx, '0010');
  t.is(rdp.pagingTimeWindow, '1001');
  t.is(rdp.decoded?.mode, 'wb-s1');
  t.is(rdp.decoded?.requestedCycle?.seconds, 40.96);
  t.is(rdp.decoded?.nwProvidedCycle?.seconds, 20.48);
  t.is(rdp.decoded?.ptw?.seconds, 12.8);
  t.deepEqual(parseCedrxrdp('+CEDRXRDP: 0'), { actType: 0 });

  const urc = parseCedrxp('+CEDRXP: 5,"1001","1001","0011"');
  t.is(urc.decoded?.mode, 'nb-s1');
  t.is(urc.decoded?.nwProvidedCycle?.seconds, 163.84);
  t.is(urc.decoded?.ptw?.seconds, 10.24);
  t.throws(() => parseCedrxp('+CEDRXP: 4,"10010"'), { message: /4 bits/ });
});

test('+CGDCONT read and set', (t) => {
  t.deepEqual(parseCgdcontRead('+CGDCONT: 0,"IP","internet","10.0.1.1",0,0'), {
    cid: 0,
    pdpType: 'IP',
    apn: 'internet',
    address: '10.0.1.1',
    dataCompression: 0,
    headerCompression: 0,
  });
  t.deepEqual(parseCgdcontRead('+CGDCONT: 1,"IPV4V6","",,0,0,0,0,0,0'), {
    cid: 1,
    pdpType: 'IPV4V6',
    apn: '',
    dataCompression: 0,
    headerCompression: 0,
  });
  t.is(formatCgdcontSet({ cid: 1, pdpType: 'IP', apn: 'iot.example' }), 'AT+CGDCONT=1,"IP","iot.example"');
  t.is(formatCgdcontSet({ cid: 1, pdpType: 'Non-IP', apn: '' }), 'AT+CGDCONT=1,"Non-IP",""');
  t.throws(() => formatCgdcontSet({ cid: 1, pdpType: 'IP', apn: 'a"b' }), { instanceOf: RangeError });
});

test('identification: bare, prefixed and SIM7080 "Revision:" forms', (t) => {
  t.is(parseCgmr('mfw_nrf9160_1.1.1'), 'mfw_nrf9160_1.1.1');
  t.is(parseCgmr('BG95M3LAR02A03'), 'BG95M3LAR02A03');
  t.is(parseCgmr('Revision:1951B16SIM7080'), '1951B16SIM7080');
  t.is(parseCgmr('+CGMR: "mfw_nrf91x1_2.0.3"'), 'mfw_nrf91x1_2.0.3');
  t.is(parseCgmi('Nordic Semiconductor ASA'), 'Nordic Semiconductor ASA');
  t.is(parseCgmm('SIMCOM_SIM7080G'), 'SIMCOM_SIM7080G');
  t.throws(() => parseCgmr(''), { instanceOf: AtParseError });
  t.throws(() => parseCgmm('+CGMR: x'), { instanceOf: AtParseError, message: /prefix "\+CGMM:"/ });
});

test('+CGSN: IMEI forms and the Luhn check digit', (t) => {
  const bare = parseCgsn('352656100367872');
  t.is(bare.value, '352656100367872');
  t.deepEqual(bare.imei, {
    tac: '35265610',
    serial: '036787',
    checkDigit: 2,
    expectedCheckDigit: 2,
    luhnValid: true,
  });
  t.is(parseCgsn('+CGSN: "352656100367872"', 1).imei?.luhnValid, true);
  const typo = parseCgsn('+CGSN: "352656100367873"', 1);
  t.false(typo.imei?.luhnValid);
  t.is(typo.imei?.expectedCheckDigit, 2);
  t.is(imeiCheckDigit('49015420323751'), 8);
  t.true(checkImei('490154203237518').luhnValid);
  t.deepEqual(parseCgsn('+CGSN: "3526561003678701"', 2), { snt: 2, value: '3526561003678701' });
  t.deepEqual(parseCgsn('+CGSN: "01"', 3), { snt: 3, value: '01' });
  t.throws(() => parseCgsn('+CGSN: "35265610036787"', 1), { message: /15-digit IMEI/ });
});

test('+CCLK: quarter-hour zone to instant and offset, and back', (t) => {
  const time = parseCclk('+CCLK: "24/03/12,10:15:42+04"');
  t.is(time.offsetMinutes, 60);
  t.is(new Date(time.epochMs).toISOString(), '2024-03-12T09:15:42.000Z');
  t.is(formatCclkSet(time), 'AT+CCLK="24/03/12,10:15:42+04"');
  const west = parseCclk('+CCLK: "24/12/31,22:30:00-14"');
  t.is(west.offsetMinutes, -210);
  t.is(new Date(west.epochMs).toISOString(), '2025-01-01T02:00:00.000Z');
  // No network time yet: GPS epoch stays in the past.
  t.is(new Date(parseCclk('+CCLK: "80/01/06,00:00:31+00"').epochMs).getUTCFullYear(), 1980);
  t.throws(() => parseCclk('+CCLK: "24/02/30,10:15:42+04"'), { message: /day 01..29/ });
  t.throws(() => parseCclk('+CCLK: "24/03/12 10:15:42"'), { instanceOf: AtParseError });
  t.throws(() => formatCclkSet({ epochMs: 0, offsetMinutes: 10 }), { instanceOf: RangeError });
});

test('+CME/+CMS error tables: both directions, verbose and numeric lines', (t) => {
  t.is(cmeErrorText(10), 'SIM not inserted');
  t.is(cmeErrorCode('SIM not inserted'), 10);
  t.is(cmeErrorCode('Network not allowed, emergency calls only'), 32);
  t.is(cmeErrorText(9999), undefined);
  t.is(cmsErrorText(500), 'unknown error');
  t.is(errorText('CMS', 310), 'SIM not inserted');
  t.deepEqual(parseErrorResult('+CME ERROR: 10'), { family: 'CME', code: 10, text: 'SIM not inserted' });
  t.deepEqual(parseErrorResult('+CME ERROR: SIM not inserted'), {
    family: 'CME',
    code: 10,
    text: 'SIM not inserted',
  });
  t.deepEqual(parseErrorResult('+CME ERROR: FFS TIMEOUT'), {
    family: 'CME',
    code: null,
    text: 'FFS TIMEOUT',
  });
  t.deepEqual(parseErrorResult('+CMS ERROR: 9999'), { family: 'CMS', code: 9999, text: null });
  t.throws(() => parseErrorResult('ERROR'), { instanceOf: AtParseError });
});

test('formatSetCommand: quoting, omitted values, refusals', (t) => {
  t.is(formatSetCommand('+X', [1, undefined, 'a', { bare: 'b' }, undefined]), 'AT+X=1,,"a",b');
  t.throws(() => formatSetCommand('+X', ['a\r\nAT+CFUN=0']), { instanceOf: RangeError });
  t.throws(() => formatSetCommand('+X', [1.5]), { instanceOf: RangeError });
});
