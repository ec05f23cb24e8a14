/** What a repair server did, request by request, and the counts a report needs. */
import type { EpochMs } from '../../clock/index.ts';

export type RepairRequestKind =
  | 'symbols'
  | 'files'
  | 'byte-range'
  | 'block'
  | 'redirect'
  | 'overload'
  | 'error';

export interface RepairLogEntry {
  at: EpochMs;
  transport: 'http' | 'coap';
  remote: string;
  method: string;
  /** Path and query as received. */
  url: string;
  /** HTTP status, or the CoAP code as c.dd. */
  status: number | string;
  kind: RepairRequestKind;
  /** Symbols in a container reply. */
  symbols?: number;
  /** Body bytes sent. */
  bytes: number;
  /** The 4-digit code of a 400 / 4.00 reply. */
  errorCode?: string;
  /** The client's User-Agent, when it sent one. */
  userAgent?: string;
}

export interface RepairServerStats {
  requests: number;
  byStatus: Record<string, number>;
  byKind: Partial<Record<RepairRequestKind, number>>;
  symbolsServed: number;
  bytesServed: number;
}

export function summarizeRepairLog(log: readonly RepairLogEntry[]): RepairServerStats {
  const s: RepairServerStats = { requests: 0, byStatus: {}, byKind: {}, symbolsServed: 0, bytesServed: 0 };
  for (const e of log) {
    s.requests++;
    s.byStatus[String(e.status)] = (s.byStatus[String(e.status)] ?? 0) + 1;
    s.byKind[e.kind] = (s.byKind[e.kind] ?? 0) + 1;
    s.symbolsServed += e.symbols ?? 0;
    s.bytesServed += e.bytes;
  }
  return s;
}
