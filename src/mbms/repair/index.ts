/**
 * MBMS file repair (TS 26.346 §9.3) and its CoAP variant (TR 26.850 §7.3): servers, the device-side
 * client, and the wire formats (repair query, simpleSymbolContainer, byte ranges, CoAP messages).
 */
export {
  type ByteRange,
  boundaryOf,
  formatRangeHeader,
  type MultipartPart,
  mergeRanges,
  parseMultipart,
  quoteEtag,
  resolveRange,
} from './byte-range.ts';
export {
  CoapClient,
  CoapClientError,
  type CoapClientOptions,
  type CoapRequest,
  type CoapResponse,
} from './coap-client.ts';
export {
  type BlockOption,
  blockSize,
  CONTENT_FORMAT_OCTET_STREAM,
  type CoapMessage,
  type CoapOption,
  CoapOptionNumber,
  CoapType,
  codeText,
  decodeBlock,
  decodeCoap,
  encodeBlock,
  encodeCoap,
} from './coap-message.ts';
export {
  blocksForSymbols,
  type CoapFileRef,
  CoapRepairError,
  coapByteRange,
  coapFetchBlocks,
  coapRepairSymbols,
} from './coap-repair-client.ts';
export { CoapRepairServer, type CoapRepairServerOptions } from './coap-repair-server.ts';
export { HttpExchangeError, type HttpReply, httpExchange } from './http-exchange.ts';
export {
  defaultPath,
  RepairCatalog,
  type RepairFile,
  type RepairService,
  type SymbolSource,
} from './repair-catalog.ts';
export {
  type ByteRangeRepairRequest,
  type ByteRangeRepairResult,
  type RepairAttempt,
  RepairClient,
  RepairClientError,
  type RepairClientErrorKind,
  type RepairClientOptions,
  retryAfterSeconds,
  type SymbolRepairRequest,
  type SymbolRepairResult,
  symbolsToByteRanges,
} from './repair-client.ts';
export {
  MBMS_SERVER_HEADER,
  parseRepairErrorBody,
  REPAIR_ERROR_TEXT,
  type RepairErrorCode,
  repairErrorBody,
} from './repair-errors.ts';
export type { RepairLogEntry, RepairRequestKind, RepairServerStats } from './repair-log.ts';
export { RepairServer, type RepairServerOptions } from './repair-server.ts';
export { type BackoffParams, backoffDelayMs, pickUniform, ServerPool } from './server-pool.ts';
export {
  decodeSymbolContainer,
  encodeSymbolContainer,
  type RepairSymbol,
  type Result,
  SYMBOL_CONTAINER_MIME,
  SymbolContainerError,
  type SymbolContainerErrorKind,
} from './symbol-container.ts';
export {
  type PayloadId,
  type RepairOti,
  type SourceBlock,
  SymbolLayout,
  SymbolLayoutError,
} from './symbol-layout.ts';
export {
  buildSymbolRepairUrls,
  type EsiRange,
  encodeQueryValue,
  type MissingSymbols,
  parseRepairQuery,
  type RepairQuery,
  RepairQueryError,
  type SbnSelection,
  toRanges,
} from './symbol-query.ts';
