import type { NPrb, SrsranConfig } from './config.ts';
import { float, type LibconfigGroup, list, renderIni, renderLibconfig } from './formats.ts';
import type { SrsranPaths } from './paths.ts';

/**
 * srsenb's four files for an eMBMS cell (srsRAN 4G 23.04): enb.conf (INI, keys from srsenb/src/main.cc),
 * and the libconfig files sib.conf.mbsfn, rr.conf and rb.conf (sections srsenb/src/enb_cfg_parser.cc
 * reads). Values not about eMBMS are those of the srsRAN 23.04 example files.
 */

/** ZeroMQ base sample rate per bandwidth, as test/run_lte.sh sets it. */
export function zmqBaseSrateHz(nPrb: NPrb): number {
  if (nPrb === 75) return 15.36e6;
  if (nPrb === 15) return 3.84e6;
  return 23.04e6;
}

/** "23.04e6" rather than "23040000": the form srsRAN's own scripts use. */
function srate(hz: number): string {
  return `${Number((hz / 1e6).toFixed(6))}e6`;
}

/** rf.device_args of the eNB (tx/rx mirrored on the UE side). */
export function zmqDeviceArgs(config: SrsranConfig, side: 'enb' | 'ue'): string {
  if (config.radio.kind !== 'zmq') throw new Error('zmqDeviceArgs: radio is not zmq');
  const { host, enbTxPort, enbRxPort } = config.radio;
  const rate = srate(config.radio.baseSrateHz ?? zmqBaseSrateHz(config.cell.nPrb));
  const enbTx = `tcp://${host}:${enbTxPort}`;
  const enbRx = `tcp://${host}:${enbRxPort}`;
  return side === 'enb'
    ? `fail_on_disconnect=true,tx_port=${enbTx},rx_port=${enbRx},id=enb,base_srate=${rate}`
    : `tx_port=${enbRx},rx_port=${enbTx},id=ue,base_srate=${rate}`;
}

/** PDCCH symbols: the non-MBSFN region of MBSFN subframes; srsenb exits on 3 with eMBMS on. */
export function controlSymbols(config: SrsranConfig): 1 | 2 {
  return config.mbsfn.nonMbsfnRegionLength === 's1' ? 1 : 2;
}

const hex = (n: number, width: number) => `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;

export function renderEnbConf(config: SrsranConfig, paths: SrsranPaths): string {
  const { cell, radio } = config;
  const rf: [string, string | number][] =
    radio.kind === 'zmq'
      ? [
          ['tx_gain', cell.txGain],
          ['rx_gain', cell.rxGain],
          ['device_name', 'zmq'],
          ['device_args', zmqDeviceArgs(config, 'enb')],
        ]
      : [
          ['tx_gain', radio.txGain],
          ['rx_gain', radio.rxGain],
          ['device_name', 'UHD'],
          ['device_args', radio.deviceArgs],
        ];
  const ctrl = controlSymbols(config);
  return renderIni('srsenb configuration (srsRAN 4G 23.04), eMBMS cell', [
    [
      'enb',
      [
        ['enb_id', hex(cell.enbId, 3)],
        ['mcc', cell.mcc],
        ['mnc', cell.mnc],
        ['mme_addr', config.epc.mmeAddr],
        ['gtp_bind_addr', config.epc.enbBindAddr],
        ['s1c_bind_addr', config.epc.enbBindAddr],
        ['n_prb', cell.nPrb],
      ],
    ],
    [
      'enb_files',
      [
        ['sib_config', paths.sibConf],
        ['rr_config', paths.rrConf],
        ['rb_config', paths.rbConf],
      ],
    ],
    ['rf', rf],
    ['pcap', [['enable', false]]],
    [
      'log',
      [
        ['all_level', config.log.enb],
        ['all_hex_limit', 32],
        ['filename', paths.enbLog],
        ['file_max_size', -1],
      ],
    ],
    [
      'scheduler',
      [
        ['min_nof_ctrl_symbols', ctrl],
        ['max_nof_ctrl_symbols', ctrl],
      ],
    ],
    [
      'embms',
      [
        ['enable', true],
        ['m1u_multiaddr', config.m1u.group],
        ['m1u_if_addr', config.m1u.enbInterface],
        ['mcs', config.mbsfn.mcs],
      ],
    ],
    ['expert', [['nof_phy_threads', config.enbPhyThreads]]],
  ]);
}

export function renderSibConf(config: SrsranConfig): string {
  const m = config.mbsfn;
  const sib2: LibconfigGroup = {
    rr_config_common_sib: {
      rach_cnfg: {
        num_ra_preambles: 52,
        preamble_init_rx_target_pwr: -104,
        pwr_ramping_step: 6,
        preamble_trans_max: 10,
        ra_resp_win_size: 10,
        mac_con_res_timer: 64,
        max_harq_msg3_tx: 4,
      },
      bcch_cnfg: { modification_period_coeff: 16 },
      pcch_cnfg: { default_paging_cycle: 32, nB: '1' },
      prach_cnfg: {
        root_sequence_index: 128,
        prach_cnfg_info: {
          high_speed_flag: false,
          prach_config_index: 3,
          // The 6 PRACH PRBs must fit in the cell: a 1.4 MHz cell has no room for an offset.
          prach_freq_offset: config.cell.nPrb === 6 ? 0 : 4,
          zero_correlation_zone_config: 5,
        },
      },
      pdsch_cnfg: { p_b: 1, rs_power: 0 },
      pusch_cnfg: {
        n_sb: 1,
        hopping_mode: 'inter-subframe',
        pusch_hopping_offset: 2,
        enable_64_qam: false,
        ul_rs: {
          cyclic_shift: 0,
          group_assignment_pusch: 0,
          group_hopping_enabled: false,
          sequence_hopping_enabled: false,
        },
      },
      pucch_cnfg: { delta_pucch_shift: 1, n_rb_cqi: 1, n_cs_an: 0, n1_pucch_an: 12 },
      ul_pwr_ctrl: {
        p0_nominal_pusch: -85,
        alpha: float(0.7),
        p0_nominal_pucch: -107,
        delta_flist_pucch: { format_1: 0, format_1b: 3, format_2: 1, format_2a: 2, format_2b: 2 },
        delta_preamble_msg3: 6,
      },
      ul_cp_length: 'len1',
    },
    ue_timers_and_constants: { t300: 2000, t301: 100, t310: 200, n310: 1, t311: 10000, n311: 1 },
    freqInfo: { ul_carrier_freq_present: true, ul_bw_present: true, additional_spectrum_emission: 1 },
    mbsfnSubframeConfigList: {
      radioframeAllocationPeriod: m.radioframeAllocationPeriod,
      subframeAllocationNumFrames: 1,
      radioframeAllocationOffset: m.radioframeAllocationOffset,
      subframeAllocation: m.subframeAllocation,
    },
    mbsfnSubframeConfigListLength: 1,
    time_alignment_timer: 'INFINITY',
  };
  return renderLibconfig('srsenb SIB configuration with MBSFN (SIB2 mbsfnSubframeConfigList, SIB13)', {
    sib1: {
      intra_freq_reselection: 'Allowed',
      q_rx_lev_min: -65,
      cell_barred: 'NotBarred',
      si_window_length: 20,
      // SIB13 must be scheduled, or srsenb refuses eMBMS ("SIB13 not present in sched_info").
      sched_info: list({ si_periodicity: 16, si_mapping_info: [3, 13] }),
      system_info_value_tag: 0,
    },
    sib2,
    sib3: {
      cell_reselection_common: { q_hyst: 2 },
      cell_reselection_serving: { s_non_intra_search: 3, thresh_serving_low: 2, cell_resel_prio: 6 },
      intra_freq_reselection: {
        q_rx_lev_min: -61,
        p_max: 23,
        s_intra_search: 5,
        presence_ant_port_1: true,
        neigh_cell_cnfg: 1,
        t_resel_eutra: 1,
      },
    },
    sib13: {
      mbsfn_notification_config: {
        mbsfn_notification_repetition_coeff: m.notificationRepetitionCoeff,
        mbsfn_notification_offset: m.notificationOffset,
        mbsfn_notification_sf_index: m.notificationSubframeIndex,
      },
      mbsfn_area_info_list_size: 1,
      mbsfn_area_info_list: {
        non_mbsfn_region_length: m.nonMbsfnRegionLength,
        mcch_repetition_period: m.mcchRepetitionPeriod,
        mcch_modification_period: m.mcchModificationPeriod,
        signalling_mcs: m.signallingMcs,
        mbsfn_area_id: m.areaId,
        notification_indicator: m.notificationIndicator,
        mcch_offset: m.mcchOffset,
        sf_alloc_info: m.mcchSubframes,
      },
    },
  });
}

/** Radio resources: MAC/PHY dedicated settings and the one cell. No MBMS keys exist in this file. */
export function renderRrConf(config: SrsranConfig): string {
  const { cell } = config;
  return renderLibconfig('srsenb radio resources', {
    mac_cnfg: {
      phr_cnfg: { dl_pathloss_change: 'dB3', periodic_phr_timer: 50, prohibit_phr_timer: 0 },
      ulsch_cnfg: { max_harq_tx: 4, periodic_bsr_timer: 20, retx_bsr_timer: 320 },
      time_alignment_timer: -1,
    },
    phy_cnfg: {
      phich_cnfg: { duration: 'Normal', resources: '1/6' },
      pusch_cnfg_ded: { beta_offset_ack_idx: 6, beta_offset_ri_idx: 6, beta_offset_cqi_idx: 6 },
      sched_request_cnfg: { dsr_trans_max: 64, period: 20, nof_prb: 1 },
      cqi_report_cnfg: { mode: 'periodic', simultaneousAckCQI: true, period: 40, m_ri: 8 },
    },
    cell_list: list({
      cell_id: cell.cellId,
      tac: cell.tac,
      pci: cell.pci,
      dl_earfcn: cell.dlEarfcn,
      ho_active: false,
    }),
  });
}

/** Radio bearers for the unicast default bearers (QCI 7 and 9); the MRB is built in code. */
export function renderRbConf(): string {
  return renderLibconfig('srsenb radio bearers', {
    qci_config: list(
      {
        qci: 7,
        pdcp_config: { discard_timer: -1, pdcp_sn_size: 12 },
        rlc_config: { ul_um: { sn_field_length: 10 }, dl_um: { sn_field_length: 10, t_reordering: 45 } },
        logical_channel_config: {
          priority: 13,
          prioritized_bit_rate: -1,
          bucket_size_duration: 100,
          log_chan_group: 2,
        },
        enb_specific: { dl_max_retx_thresh: 32 },
      },
      {
        qci: 9,
        pdcp_config: { discard_timer: 150, status_report_required: true },
        rlc_config: {
          ul_am: { t_poll_retx: 120, poll_pdu: 64, poll_byte: 750, max_retx_thresh: 16 },
          dl_am: { t_reordering: 50, t_status_prohibit: 50 },
        },
        logical_channel_config: {
          priority: 11,
          prioritized_bit_rate: -1,
          bucket_size_duration: 100,
          log_chan_group: 3,
        },
        enb_specific: { dl_max_retx_thresh: 32 },
      },
    ),
  });
}
