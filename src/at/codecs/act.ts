/**
 * Access technology (<AcT>) values of 27.007 +COPS/+CEREG. Mind the vendor split on 8: 27.007 says
 * EC-GSM-IoT, but Quectel BG9x and SARA-R410 report LTE-M as 8; the modem dialect maps that, not us.
 */
export const ACCESS_TECHNOLOGY: Readonly<Record<number, string>> = {
  0: 'GSM',
  1: 'GSM Compact',
  2: 'UTRAN',
  3: 'GSM w/EGPRS',
  4: 'UTRAN w/HSDPA',
  5: 'UTRAN w/HSUPA',
  6: 'UTRAN w/HSDPA and HSUPA',
  7: 'E-UTRAN',
  8: 'EC-GSM-IoT (A/Gb mode)',
  9: 'E-UTRAN (NB-S1 mode)',
  10: 'E-UTRA connected to a 5GCN',
  11: 'NR connected to a 5GCN',
  12: 'NG-RAN',
  13: 'E-UTRA-NR dual connectivity',
};

/** LTE-M is reported as E-UTRAN (7) by 27.007-faithful firmware. */
export const ACT_E_UTRAN = 7;
/** NB-IoT. */
export const ACT_E_UTRAN_NB_S1 = 9;

/** <AcT> values are accepted up to this; names exist for the ones above. */
export const ACT_MAX = 255;
