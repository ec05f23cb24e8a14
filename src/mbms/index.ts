/**
 * The MBMS download delivery method (TS 26.346) with the TR 26.850 IoT profile. Each concern is its own
 * folder with its own face; this index names them:
 * - packet: LCT/ALC/FLUTE packets (strict, total decoder)
 * - fdt: FDT instances (3GPP XML, TR 26.850 binary), FdtTable
 * - fec: Compact No-Code, Raptor (RFC 5053), RaptorQ (RFC 6330), block partitioning
 * - flute: FluteSender, FluteReceiver
 * - transport: UDP multicast and in-process sinks, loss models
 * - per: the unaligned ASN.1 PER bit codec the TR 26.850 binary forms share
 * - announce: SDP, USD, Schedule Description, ADPD, TR 26.850 binary announcement, timing rules
 * - repair: file repair (HTTP symbol/byte-range, CoAP) server and client
 * - report: reception reports (XML, RAck-IoT), collector and reporter
 */
export * as announce from './announce/index.ts';
export * as fdt from './fdt/index.ts';
export * as fec from './fec/index.ts';
export * as flute from './flute/index.ts';
export * as packet from './packet/index.ts';
export * as per from './per/index.ts';
export * as repair from './repair/index.ts';
export * as report from './report/index.ts';
export * as transport from './transport/index.ts';
