import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  mbsfnCapacityBps,
  parseSrsranConfig,
  pmchTransportBlockBits,
  renderSrsranFiles,
  type SrsranConfigInput,
  srsranBearerRateBps,
  srsranCommandLine,
  srsranComponents,
  writeSrsranFiles,
} from '../src/enb/srsran/index.ts';

// Keys srsRAN 4G 23.04 reads from each INI file, typed from the options tables of srsenb/src/main.cc,
// srsepc/src/main.cc, srsepc/src/mbms-gw/main.cc and srsue/src/main.cc (reference §2, §3). boost
// rejects any other key, so a generated key outside these lists would stop the process at start.
const LOG = ['log.all_level', 'log.all_hex_limit', 'log.filename', 'log.file_max_size'];
const KNOWN: Record<'enbConf' | 'epcConf' | 'mbmsConf' | 'ueConf', readonly string[]> = {
  enbConf: [
    ...[
      'enb_id',
      'name',
      'mcc',
      'mnc',
      'mme_addr',
      'gtp_bind_addr',
      'gtp_advertise_addr',
      's1c_bind_addr',
    ].map((k) => `enb.${k}`),
    ...['s1c_bind_port', 'n_prb', 'nof_ports', 'tm', 'p_a'].map((k) => `enb.${k}`),
    'enb_files.sib_config',
    'enb_files.rr_config',
    'enb_files.rb_config',
    ...['dl_earfcn', 'srate', 'rx_gain', 'tx_gain', 'dl_freq', 'ul_freq', 'device_name', 'device_args'].map(
      (k) => `rf.${k}`,
    ),
    'rf.time_adv_nsamples',
    'pcap.enable',
    'pcap.filename',
    'gui.enable',
    ...LOG,
    'scheduler.min_nof_ctrl_symbols',
    'scheduler.max_nof_ctrl_symbols',
    'scheduler.pdsch_mcs',
    'scheduler.pdsch_max_mcs',
    ...['enable', 'm1u_multiaddr', 'm1u_if_addr', 'mcs'].map((k) => `embms.${k}`),
    ...['nof_phy_threads', 'metrics_csv_enable', 'metrics_csv_filename', 'report_json_enable'].map(
      (k) => `expert.${k}`,
    ),
  ],
  epcConf: [
    ...['mme_code', 'name', 'mme_group', 'tac', 'mcc', 'mnc', 'mme_bind_addr', 'dns_addr', 'apn'].map(
      (k) => `mme.${k}`,
    ),
    ...['full_net_name', 'short_net_name', 'encryption_algo', 'integrity_algo', 'paging_timer'].map(
      (k) => `mme.${k}`,
    ),
    'mme.request_imeisv',
    'mme.lac',
    'hss.db_file',
    ...['gtpu_bind_addr', 'sgi_if_addr', 'sgi_if_name', 'max_paging_queue'].map((k) => `spgw.${k}`),
    'pcap.enable',
    'pcap.filename',
    ...LOG.slice(0, 3),
  ],
  mbmsConf: [
    ...['name', 'sgi_mb_if_name', 'sgi_mb_if_addr', 'sgi_mb_if_mask', 'm1u_multi_addr', 'm1u_multi_if'].map(
      (k) => `mbms_gw.${k}`,
    ),
    'mbms_gw.m1u_multi_ttl',
    ...LOG.slice(0, 3),
  ],
  ueConf: [
    ...['device_name', 'device_args', 'tx_gain', 'rx_gain', 'srate', 'freq_offset', 'nof_antennas'].map(
      (k) => `rf.${k}`,
    ),
    ...['dl_earfcn', 'ul_earfcn', 'nof_carriers'].map((k) => `rat.eutra.${k}`),
    ...['mbms_service_id', 'mbms_service_port', 'ue_category', 'release'].map((k) => `rrc.${k}`),
    'nas.apn',
    ...['enable', 'mac_filename', 'nas_filename'].map((k) => `pcap.${k}`),
    ...LOG,
    'log.gw_hex_limit',
    ...['mode', 'algo', 'op', 'opc', 'imsi', 'imei', 'k'].map((k) => `usim.${k}`),
    'gw.netns',
    'gw.ip_devname',
    'gw.ip_netmask',
    ...['interpolate_subframe_enabled', 'snr_estim_alg', 'nof_phy_threads'].map((k) => `phy.${k}`),
  ],
};
const COMPONENT_FILE = {
  srsmbms: 'mbmsConf',
  srsepc: 'epcConf',
  srsenb: 'enbConf',
  srsue: 'ueConf',
} as const;

/** INI as boost::program_options reads it; throws on a line it would reject or a repeated key. */
function parseIni(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const s = /^\[([a-z0-9_.]+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    const kv = /^([a-z0-9_]+) = (.*)$/.exec(line);
    if (!kv || !section) throw new Error(`line ${i + 1} is not INI: ${raw}`);
    const key = `${section}.${kv[1]}`;
    if (out.has(key)) throw new Error(`line ${i + 1}: ${key} repeated`);
    out.set(key, kv[2]!);
  }
  return out;
}

const base = { workDir: '/tmp/rig-srsran-config-test', ue: {} } satisfies SrsranConfigInput;
const render = (input: SrsranConfigInput = base) => {
  const config = parseSrsranConfig(input);
  const files = renderSrsranFiles(config);
  const ini = (key: keyof typeof KNOWN) => parseIni(files[key] ?? '');
  return { config, files, ini };
};

test('every generated INI key and every command-line override is one srsRAN 23.04 reads', (t) => {
  const { config, files, ini } = render();
  for (const key of Object.keys(KNOWN) as (keyof typeof KNOWN)[]) {
    t.truthy(files[key], `${key} is generated`);
    for (const k of ini(key).keys()) t.true(KNOWN[key].includes(k), `${key}: ${k} is not a key srsRAN reads`);
  }
  for (const component of srsranComponents(config)) {
    const [conf, ...overrides] = srsranCommandLine(config, component);
    t.true(conf?.startsWith('/'), `${component}: config path first, absolute`);
    for (const o of overrides) {
      const m = /^--([a-z0-9_.]+)=(.+)$/.exec(o);
      t.truthy(m, `${component}: ${o} is --section.key=value`);
      t.true(KNOWN[COMPONENT_FILE[component]].includes(m![1]!), `${component}: ${o} is a known key`);
    }
  }
});

test('eMBMS-critical values: eNB, MBMS gateway and UE agree on the M1-U group, MCS and service', (t) => {
  const { config, ini } = render();
  const enb = ini('enbConf');
  const mbms = ini('mbmsConf');
  const ue = ini('ueConf');
  t.is(enb.get('embms.enable'), 'true');
  t.is(enb.get('embms.m1u_multiaddr'), '239.255.0.1');
  t.is(mbms.get('mbms_gw.m1u_multi_addr'), enb.get('embms.m1u_multiaddr'));
  t.is(enb.get('embms.m1u_if_addr'), '127.0.1.201');
  t.is(mbms.get('mbms_gw.m1u_multi_if'), '127.0.1.200');
  t.is(mbms.get('mbms_gw.sgi_mb_if_addr'), '172.16.0.254');
  t.is(mbms.get('mbms_gw.sgi_mb_if_name'), 'sgi_mb');
  t.is(enb.get('embms.mcs'), '10');
  // srsenb exits when eMBMS is on with 3 control symbols.
  t.true(Number(enb.get('scheduler.max_nof_ctrl_symbols')) <= 2);
  t.is(enb.get('enb_files.sib_config'), join(config.workDir, 'sib.conf.mbsfn'));
  t.is(ue.get('rrc.mbms_service_id'), '0');
  t.is(ue.get('phy.interpolate_subframe_enabled'), 'true');
  t.true(Number(ue.get('phy.nof_phy_threads')) <= 2);
  t.is(ue.get('gw.netns'), 'ue1');
  // ZMQ: what the eNB transmits on, the UE receives on, and the other way round; loopback only.
  const enbArgs = enb.get('rf.device_args')!;
  const ueArgs = ue.get('rf.device_args')!;
  t.regex(enbArgs, /tx_port=tcp:\/\/127\.0\.0\.1:2000,rx_port=tcp:\/\/127\.0\.0\.1:2001/);
  t.regex(ueArgs, /tx_port=tcp:\/\/127\.0\.0\.1:2001,rx_port=tcp:\/\/127\.0\.0\.1:2000/);
  t.regex(enbArgs, /base_srate=23\.04e6/);
  t.is(ue.get('rat.eutra.dl_earfcn'), '3350');
});

test('the config reaches the files: group, MCS, bandwidth, PLMN and TAC', (t) => {
  const { ini, files } = render({
    ...base,
    cell: { nPrb: 75, tac: 0x2a, mcc: '999', mnc: '70', dlEarfcn: 6300, band: 20 },
    mbsfn: { mcs: 20 },
    m1u: { group: '239.255.9.9' },
    epc: { apn: 'rig' },
  });
  t.is(ini('enbConf').get('embms.m1u_multiaddr'), '239.255.9.9');
  t.is(ini('mbmsConf').get('mbms_gw.m1u_multi_addr'), '239.255.9.9');
  t.is(ini('enbConf').get('embms.mcs'), '20');
  t.is(ini('enbConf').get('enb.n_prb'), '75');
  t.regex(ini('enbConf').get('rf.device_args')!, /base_srate=15\.36e6/);
  t.is(ini('epcConf').get('mme.tac'), '0x002a');
  t.is(ini('epcConf').get('mme.mcc'), '999');
  t.is(ini('ueConf').get('nas.apn'), 'rig');
  t.regex(files.rrConf!, /tac = 42;/);
  t.regex(files.rrConf!, /dl_earfcn = 6300;/);
});

test('the HSS knows the srsUE subscriber: ten CSV fields, MILENAGE with OPc', (t) => {
  const { files, ini } = render();
  const rows = files.userDb!.split('\n').filter((l) => l && !l.startsWith('#'));
  t.is(rows.length, 1);
  const fields = rows[0]!.split(',');
  t.is(fields.length, 10);
  t.is(fields[2], ini('ueConf').get('usim.imsi'));
  t.is(fields[3], ini('ueConf').get('usim.k'));
  t.is(fields[5], ini('ueConf').get('usim.opc'));
  t.deepEqual([fields[1], fields[4], fields[9]], ['mil', 'opc', 'dynamic']);
});

test('without the EPC (host without SCTP) no epc.conf or HSS file is written and srsepc is not run', (t) => {
  const { config, files } = render({ ...base, epc: { enabled: false } });
  t.deepEqual(srsranComponents(config), ['srsmbms', 'srsenb', 'srsue']);
  t.is(files.epcConf, undefined);
  t.is(files.userDb, undefined);
});

test('a bad config is refused with an EnbError naming the key', (t) => {
  const bad: [unknown, RegExp][] = [
    [{ ...base, mbsfn: { mcs: 29 } }, /config: mbsfn\.mcs: /],
    [
      { ...base, radio: { kind: 'zmq', host: '10.0.0.1' } },
      /config: radio\.host: must be a loopback address/,
    ],
    [{ ...base, m1u: { group: '10.1.1.1' } }, /config: m1u\.group: must be an IPv4 multicast address/],
    [{ ...base, cell: { nPrb: 20 } }, /config: cell\.nPrb: must be 6, 15, 25, 50, 75 or 100/],
    [{ ...base, cell: { earfcn: 3350 } }, /config: cell: .*earfcn/],
    [{ ...base, cell: { dlEarfcn: 3350, band: 20 } }, /config: cell\.band: dlEarfcn 3350 is not in band 20/],
    [{ ...base, radio: { kind: 'uhd' } }, /config: ue: srsUE runs here only over ZMQ/],
    [
      { ...base, mbsfn: { subframeAllocation: 7, mcchSubframes: 32 } },
      /config: mbsfn\.mcchSubframes: must be a subset/,
    ],
    [{ ...base, ue: { imsi: '12345' } }, /config: ue\.imsi: must be 15 decimal digits/],
    [{ ue: {} }, /config: workDir: /],
  ];
  for (const [input, message] of bad) {
    const e = t.throws(() => parseSrsranConfig(input), { name: 'EnbError' });
    t.regex(e?.message ?? '', message);
  }
});

test('PMCH block sizes match the observed srsRAN decodes (36.213 Table 7.1.7.2.1-1)', (t) => {
  // Observed on 25 PRB: MTCH at MCS 10 decoded as tbs=501 bytes, MCCH at MCS 2 as tbs=137 bytes.
  t.is(pmchTransportBlockBits(10, 25), 501 * 8);
  t.is(pmchTransportBlockBits(2, 25), 137 * 8);
  t.is(pmchTransportBlockBits(28, 100), 75376);
  t.throws(() => pmchTransportBlockBits(29, 25), { message: /MCS 29/ });
});

test('MBSFN capacity: one block per MBSFN subframe, less the MCCH subframes', (t) => {
  const args = {
    mcs: 10,
    nPrb: 25,
    subframeAllocation: 63,
    radioframeAllocationPeriod: 1,
    mcchRepetitionFrames: 64,
    mcchSubframes: 32,
  } as const;
  // 6 MBSFN subframes × 100 frames/s = 600/s; MCCH 1 subframe every 64 frames = 1.5625/s.
  t.is(mbsfnCapacityBps(args), Math.floor(4008 * (600 - 1.5625)));
  t.is(
    mbsfnCapacityBps({ ...args, subframeAllocation: 0b000111, mcchSubframes: 0b000100 }),
    Math.floor(4008 * 298.4375),
  );
  t.is(mbsfnCapacityBps({ ...args, radioframeAllocationPeriod: 4 }), Math.floor(4008 * (150 - 1.5625)));
  t.true(
    srsranBearerRateBps(parseSrsranConfig({ ...base, mbsfn: { mcs: 20 } })) >
      srsranBearerRateBps(render().config),
  );
});

test('writeSrsranFiles writes exactly the rendered files into the work dir', async (t) => {
  const workDir = await mkdtemp(join(tmpdir(), 'rig-srsran-'));
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const config = parseSrsranConfig({ ...base, workDir });
  const paths = await writeSrsranFiles(config);
  t.deepEqual(
    (await readdir(workDir)).sort(),
    [
      'enb.conf',
      'epc.conf',
      'mbms.conf',
      'rb.conf',
      'rr.conf',
      'sib.conf.mbsfn',
      'ue.conf',
      'user_db.csv',
    ].sort(),
  );
  t.is(await readFile(paths.enbConf, 'utf8'), renderSrsranFiles(config).enbConf ?? '(not rendered)');
});
