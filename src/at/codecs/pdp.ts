import { formatSetCommand, ParamReader } from './reader.ts';

export type PdpType = 'IP' | 'IPV6' | 'IPV4V6' | 'Non-IP' | (string & {});

/** A PDP context definition (`+CGDCONT`); fields past <h_comp> are not used by the rig. */
export interface PdpContext {
  cid: number;
  pdpType: PdpType;
  /** Empty string: the network chooses. */
  apn: string;
  /** The address the network assigned; absent or "" before activation. */
  address?: string;
  dataCompression?: number;
  headerCompression?: number;
}

const CID = { min: 0, max: 255 };

/** `+CGDCONT: <cid>,<PDP_type>,<APN>[,<PDP_addr>[,<d_comp>[,<h_comp>[,…]]]]` (one line per context). */
export function parseCgdcontRead(line: string): PdpContext {
  const r = ParamReader.of('+CGDCONT', line);
  r.countBetween(3, 20, '<cid>,<PDP_type>,<APN>,…');
  const ctx: PdpContext = {
    cid: r.int(0, '<cid>', CID),
    pdpType: r.str(1, '<PDP_type>', /^\S+$/),
    apn: r.isEmpty(2) ? '' : r.str(2, '<APN>'),
  };
  const address = r.optStr(3, '<PDP_addr>');
  const dComp = r.optInt(4, '<d_comp>', { min: 0, max: 255 });
  const hComp = r.optInt(5, '<h_comp>', { min: 0, max: 255 });
  if (address !== undefined) ctx.address = address;
  if (dComp !== undefined) ctx.dataCompression = dComp;
  if (hComp !== undefined) ctx.headerCompression = hComp;
  return ctx;
}

/** `AT+CGDCONT=<cid>,"<PDP_type>","<APN>"` — the part of a context the controller sets. */
export function formatCgdcontSet(ctx: Pick<PdpContext, 'cid' | 'pdpType' | 'apn'>): string {
  if (!Number.isInteger(ctx.cid) || ctx.cid < CID.min || ctx.cid > CID.max) {
    throw new RangeError(`AT+CGDCONT: <cid> must be 0..255, got ${ctx.cid}`);
  }
  if (!/^\S+$/.test(ctx.pdpType))
    throw new RangeError(`AT+CGDCONT: bad <PDP_type> ${JSON.stringify(ctx.pdpType)}`);
  return formatSetCommand('+CGDCONT', [ctx.cid, ctx.pdpType, ctx.apn]);
}
