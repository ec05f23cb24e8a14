/** 27.007 response codecs: one parser (and, for set commands, one formatter) per command family. */
export { ACCESS_TECHNOLOGY, ACT_E_UTRAN, ACT_E_UTRAN_NB_S1 } from './act.ts';
export { formatCclkSet, formatCclkTime, type ModuleTime, parseCclk } from './cclk.ts';
export {
  type Cereg,
  type CeregLine,
  type CeregRead,
  ceregForm,
  formatCeregSet,
  isRegistered,
  parseCereg,
  parseCeregRead,
  parseCeregUrc,
  REGISTRATION_STATUS,
} from './cereg.ts';
export { CFUN_DISABLE_TX_RX, CFUN_FULL, CFUN_MINIMUM, type Cfun, formatCfunSet, parseCfun } from './cfun.ts';
export { type CmeeMode, formatCmeeSet, parseCmee } from './cmee.ts';
export { type Cops, type CopsFormat, type CopsMode, formatCopsSet, parseCopsRead } from './cops.ts';
export { type Cscon, type CsconRead, formatCsconSet, parseCsconRead, parseCsconUrc } from './cscon.ts';
export {
  EDRX_ACT_NB_S1,
  EDRX_ACT_WB_S1,
  type EdrxDynamicParams,
  type EdrxRequested,
  type EdrxSettings,
  edrxModeOfActType,
  formatCedrxsSet,
  parseCedrxp,
  parseCedrxrdp,
  parseCedrxsRead,
} from './edrx.ts';
export {
  CME_ERRORS,
  CMS_ERRORS,
  cmeErrorCode,
  cmeErrorText,
  cmsErrorCode,
  cmsErrorText,
  type ErrorFamily,
  type ErrorResult,
  errorCode,
  errorText,
  parseErrorResult,
} from './error-codes.ts';
export { AtParseError, type AtParseErrorDetails, quoteLine } from './errors.ts';
export {
  type Cgsn,
  checkImei,
  type ImeiCheck,
  imeiCheckDigit,
  parseCgmi,
  parseCgmm,
  parseCgmr,
  parseCgsn,
} from './identity.ts';
export { type InfoLine, type Param, parseInfoLine, splitParams } from './params.ts';
export { formatCgdcontSet, type PdpContext, type PdpType, parseCgdcontRead } from './pdp.ts';
export { formatCpsmsSet, type PsmSettings, parseCpsmsRead } from './psm.ts';
export { formatSetCommand, type IntSpec, ParamReader, type SetValue } from './reader.ts';
export {
  type Cesq,
  type Csq,
  csqRssiToDbm,
  type LevelRange,
  parseCesq,
  parseCsq,
  rsrpToDbm,
  rsrqToDb,
} from './signal.ts';
