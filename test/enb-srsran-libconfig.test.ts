import test from 'ava';
import { parseSrsranConfig, renderSrsranFiles } from '../src/enb/srsran/index.ts';

// Setting paths srsenb 23.04 reads from its libconfig files, typed from srsenb/src/enb_cfg_parser.cc
// (parse_sib1/2/3/13, the rr and rb sections) and the reference's sib.conf.mbsfn table. `[]` marks the
// items of a list. A path outside these lists is a setting srsenb would ignore or choke on.
const P = (prefix: string, keys: string[]) => keys.map((k) => `${prefix}.${k}`);
const RR_SIB = 'sib2.rr_config_common_sib';
const KNOWN = {
  sibConf: [
    ...P('sib1', ['intra_freq_reselection', 'q_rx_lev_min', 'p_max', 'cell_barred', 'si_window_length']),
    ...P('sib1', ['system_info_value_tag', 'sched_info[].si_periodicity', 'sched_info[].si_mapping_info']),
    ...P('sib2', ['time_alignment_timer', 'mbsfnSubframeConfigListLength']),
    ...P('sib2.mbsfnSubframeConfigList', ['radioframeAllocationPeriod', 'subframeAllocationNumFrames']),
    ...P('sib2.mbsfnSubframeConfigList', ['radioframeAllocationOffset', 'subframeAllocation']),
    ...P('sib2.freqInfo', ['additional_spectrum_emission', 'ul_carrier_freq_present', 'ul_bw_present']),
    ...P('sib2.ue_timers_and_constants', ['t300', 't301', 't310', 'n310', 't311', 'n311']),
    `${RR_SIB}.ul_cp_length`,
    ...P(`${RR_SIB}.rach_cnfg`, ['num_ra_preambles', 'preamble_init_rx_target_pwr', 'pwr_ramping_step']),
    ...P(`${RR_SIB}.rach_cnfg`, [
      'preamble_trans_max',
      'ra_resp_win_size',
      'mac_con_res_timer',
      'max_harq_msg3_tx',
    ]),
    `${RR_SIB}.bcch_cnfg.modification_period_coeff`,
    ...P(`${RR_SIB}.pcch_cnfg`, ['default_paging_cycle', 'nB']),
    `${RR_SIB}.prach_cnfg.root_sequence_index`,
    ...P(`${RR_SIB}.prach_cnfg.prach_cnfg_info`, [
      'high_speed_flag',
      'prach_config_index',
      'prach_freq_offset',
    ]),
    `${RR_SIB}.prach_cnfg.prach_cnfg_info.zero_correlation_zone_config`,
    ...P(`${RR_SIB}.pdsch_cnfg`, ['p_b', 'rs_power']),
    ...P(`${RR_SIB}.pusch_cnfg`, ['n_sb', 'hopping_mode', 'pusch_hopping_offset', 'enable_64_qam']),
    ...P(`${RR_SIB}.pusch_cnfg.ul_rs`, ['cyclic_shift', 'group_assignment_pusch', 'group_hopping_enabled']),
    `${RR_SIB}.pusch_cnfg.ul_rs.sequence_hopping_enabled`,
    ...P(`${RR_SIB}.pucch_cnfg`, ['delta_pucch_shift', 'n_rb_cqi', 'n_cs_an', 'n1_pucch_an']),
    ...P(`${RR_SIB}.ul_pwr_ctrl`, ['p0_nominal_pusch', 'alpha', 'p0_nominal_pucch', 'delta_preamble_msg3']),
    ...P(`${RR_SIB}.ul_pwr_ctrl.delta_flist_pucch`, [
      'format_1',
      'format_1b',
      'format_2',
      'format_2a',
      'format_2b',
    ]),
    'sib3.cell_reselection_common.q_hyst',
    ...P('sib3.cell_reselection_serving', ['s_non_intra_search', 'thresh_serving_low', 'cell_resel_prio']),
    ...P('sib3.intra_freq_reselection', ['q_rx_lev_min', 'p_max', 's_intra_search', 'allowed_meas_bw']),
    ...P('sib3.intra_freq_reselection', ['presence_ant_port_1', 'neigh_cell_cnfg', 't_resel_eutra']),
    'sib13.mbsfn_area_info_list_size',
    ...P('sib13.mbsfn_notification_config', [
      'mbsfn_notification_repetition_coeff',
      'mbsfn_notification_offset',
    ]),
    'sib13.mbsfn_notification_config.mbsfn_notification_sf_index',
    ...P('sib13.mbsfn_area_info_list', [
      'non_mbsfn_region_length',
      'mcch_repetition_period',
      'signalling_mcs',
    ]),
    ...P('sib13.mbsfn_area_info_list', [
      'mcch_modification_period',
      'mbsfn_area_id',
      'notification_indicator',
    ]),
    ...P('sib13.mbsfn_area_info_list', ['mcch_offset', 'sf_alloc_info']),
  ],
  rrConf: [
    ...P('mac_cnfg.phr_cnfg', ['dl_pathloss_change', 'periodic_phr_timer', 'prohibit_phr_timer']),
    ...P('mac_cnfg.ulsch_cnfg', ['max_harq_tx', 'periodic_bsr_timer', 'retx_bsr_timer']),
    'mac_cnfg.time_alignment_timer',
    ...P('phy_cnfg.phich_cnfg', ['duration', 'resources']),
    ...P('phy_cnfg.pusch_cnfg_ded', ['beta_offset_ack_idx', 'beta_offset_ri_idx', 'beta_offset_cqi_idx']),
    ...P('phy_cnfg.sched_request_cnfg', ['dsr_trans_max', 'period', 'nof_prb', 'subframe']),
    ...P('phy_cnfg.cqi_report_cnfg', [
      'mode',
      'period',
      'm_ri',
      'subband_k',
      'simultaneousAckCQI',
      'subframe',
    ]),
    ...P('cell_list[]', [
      'rf_port',
      'cell_id',
      'tac',
      'pci',
      'dl_earfcn',
      'ul_earfcn',
      'root_seq_idx',
      'ho_active',
    ]),
  ],
  rbConf: [
    ...P('qci_config[]', ['qci', 'pdcp_config.discard_timer', 'pdcp_config.pdcp_sn_size']),
    'qci_config[].pdcp_config.status_report_required',
    ...P('qci_config[].rlc_config', ['ul_um.sn_field_length', 'dl_um.sn_field_length', 'dl_um.t_reordering']),
    ...P('qci_config[].rlc_config.ul_am', ['t_poll_retx', 'poll_pdu', 'poll_byte', 'max_retx_thresh']),
    ...P('qci_config[].rlc_config.dl_am', ['t_reordering', 't_status_prohibit']),
    ...P('qci_config[].logical_channel_config', ['priority', 'prioritized_bit_rate', 'bucket_size_duration']),
    'qci_config[].logical_channel_config.log_chan_group',
    'qci_config[].enb_specific.dl_max_retx_thresh',
  ],
};

type Value = string | number | boolean | number[] | { list: Value[] } | { [k: string]: Value };

/** A small libconfig reader (groups, lists, arrays, scalars, comments); throws on anything else. */
function parseLibconfig(text: string): Record<string, Value> {
  const tokens = text
    .replace(/\/\/.*$|#.*$/gm, '')
    .match(/"(?:[^"\\]|\\.)*"|-?\d+\.\d+|-?0x[0-9a-fA-F]+|-?\d+|[A-Za-z_][\w-]*|[={}()[\];,:]|\S/g)!;
  let i = 0;
  const next = () => tokens[i++] ?? '';
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`expected "${t}", got "${got}" at token ${i}`);
  };
  const settings = (end: string) => {
    const out: Record<string, Value> = {};
    while (i < tokens.length && tokens[i] !== end) {
      const name = next();
      if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new Error(`bad setting name "${name}"`);
      if (name in out) throw new Error(`"${name}" repeated`);
      if (!['=', ':'].includes(next())) throw new Error(`"${name}" has no =`);
      out[name] = value();
      if (tokens[i] === ';' || tokens[i] === ',') i++;
    }
    return out;
  };
  const value = (): Value => {
    const t = next();
    if (t === '{') return Object.assign(settings('}'), expect('}'));
    if (t === '(' || t === '[') {
      const items: Value[] = [];
      const close = t === '(' ? ')' : ']';
      while (tokens[i] !== close) {
        items.push(value());
        if (tokens[i] === ',') i++;
      }
      expect(close);
      return t === '(' ? { list: items } : (items as number[]);
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
    if (/^-?(\d|0x)/.test(t)) return Number(t);
    throw new Error(`unexpected "${t}" at token ${i}`);
  };
  const root = settings('');
  if (i !== tokens.length) throw new Error(`trailing tokens from ${i}`);
  return root;
}

function paths(value: Value, prefix: string): string[] {
  if (typeof value !== 'object' || Array.isArray(value)) return [prefix];
  if ('list' in value && Array.isArray(value.list)) {
    return value.list.flatMap((item) => paths(item, `${prefix}[]`));
  }
  return Object.entries(value).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k));
}

const files = renderSrsranFiles(parseSrsranConfig({ workDir: '/tmp/rig-srsran-libconfig-test' }));
const read = (key: keyof typeof KNOWN) => parseLibconfig(files[key]!);
const at = (root: Record<string, Value>, path: string) =>
  path.split('.').reduce<Value | undefined>((v, k) => (v as Record<string, Value> | undefined)?.[k], root);

test('sib.conf.mbsfn, rr.conf and rb.conf parse as libconfig and hold only settings srsenb reads', (t) => {
  for (const key of Object.keys(KNOWN) as (keyof typeof KNOWN)[]) {
    const found = paths(read(key), '');
    t.true(found.length > 10, `${key} has settings`);
    for (const p of found) t.true(KNOWN[key].includes(p), `${key}: ${p} is not a setting srsenb reads`);
  }
});

test('SIB1 schedules SIB13 and SIB2 carries the MBSFN subframe configuration as numbers', (t) => {
  const sib = read('sibConf');
  const sched = at(sib, 'sib1.sched_info') as { list: Record<string, Value>[] };
  t.true((sched.list[0]!.si_mapping_info as number[]).includes(13));
  // srsenb reads these by number: a quoted "1" is refused ("Expected a number ... but received a string").
  t.is(at(sib, 'sib2.mbsfnSubframeConfigList.radioframeAllocationPeriod'), 1);
  t.is(at(sib, 'sib2.mbsfnSubframeConfigList.subframeAllocationNumFrames'), 1);
  t.is(at(sib, 'sib2.mbsfnSubframeConfigList.subframeAllocation'), 63);
  t.is(at(sib, 'sib2.mbsfnSubframeConfigListLength'), 1);
  t.is(at(sib, 'sib2.rr_config_common_sib.ul_pwr_ctrl.alpha'), 0.7);
  t.regex(files.sibConf!, /alpha = 0\.7;/);
});

test('SIB13: one MBSFN area, MCCH every 64 frames in subframe bit 5, names as srsRAN spells them', (t) => {
  const sib = read('sibConf');
  t.is(at(sib, 'sib13.mbsfn_area_info_list_size'), 1);
  t.is(at(sib, 'sib13.mbsfn_notification_config.mbsfn_notification_repetition_coeff'), 'n2');
  t.is(at(sib, 'sib13.mbsfn_area_info_list.non_mbsfn_region_length'), 's2');
  t.is(at(sib, 'sib13.mbsfn_area_info_list.mcch_repetition_period'), 'rf64');
  t.is(at(sib, 'sib13.mbsfn_area_info_list.mcch_modification_period'), 'rf512');
  t.is(at(sib, 'sib13.mbsfn_area_info_list.signalling_mcs'), 'n2');
  t.is(at(sib, 'sib13.mbsfn_area_info_list.mbsfn_area_id'), 1);
  t.is(at(sib, 'sib13.mbsfn_area_info_list.sf_alloc_info'), 32);
});

test('rr.conf has the one cell without handover; rb.conf the QCI 7 and 9 bearers', (t) => {
  const cells = (read('rrConf').cell_list as { list: Record<string, Value>[] }).list;
  t.is(cells.length, 1);
  t.like(cells[0], { cell_id: 1, tac: 7, pci: 1, dl_earfcn: 3350, ho_active: false });
  const qcis = (read('rbConf').qci_config as { list: Record<string, Value>[] }).list.map((q) => q.qci);
  t.deepEqual(qcis, [7, 9]);
});
