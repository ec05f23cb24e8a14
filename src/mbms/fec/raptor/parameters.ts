/**
 * RFC 5053 §5.4: the derived parameters (§5.4.2.3), the random number generator Rand (§5.4.4.1), the degree
 * generator Deg (§5.4.4.2), the triple generator Trip (§5.4.4.4) and the columns an LT encoding symbol combines
 * (LTEnc, §5.4.4.3).
 */
import { FecError } from '../types.ts';
import { SYSTEMATIC_INDEX, V0, V1 } from './tables.ts';

// Local bindings: module loaders that turn imports into getters would otherwise run one per table lookup.
const v0: Uint32Array = V0;
const v1: Uint32Array = V1;
const systematicIndex: Uint16Array = SYSTEMATIC_INDEX;

export const RAPTOR_MIN_K = 4;
export const RAPTOR_MAX_K = 8192;
/** ESIs are 16 bits in the FEC Payload ID (§3.1). */
export const RAPTOR_MAX_ESI = 65535;

export interface RaptorParameters {
  /** Source symbols. */
  K: number;
  /** LDPC symbols. */
  S: number;
  /** Half symbols. */
  H: number;
  /** Intermediate symbols, K + S + H. */
  L: number;
  /** L′: the smallest prime ≥ L. */
  Lp: number;
  /** H′ = ceil(H / 2): the weight of the Gray codes the Half symbols use. */
  Hp: number;
  /** The systematic index J(K). */
  J: number;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let p = 2; p * p <= n; p++) if (n % p === 0) return false;
  return true;
}

function nextPrime(n: number): number {
  let p = n;
  while (!isPrime(p)) p++;
  return p;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

export function checkK(K: number, what: string): void {
  if (!Number.isInteger(K) || K < RAPTOR_MIN_K || K > RAPTOR_MAX_K) {
    throw new FecError(`Raptor (RFC 5053) ${what}: K = ${K} is outside ${RAPTOR_MIN_K}..${RAPTOR_MAX_K}`);
  }
}

export function checkT(T: number, what: string): void {
  if (!Number.isInteger(T) || T < 1 || T > 65535) {
    throw new FecError(`Raptor (RFC 5053) ${what}: symbol length T = ${T} is outside 1..65535`);
  }
}

/** RFC 5053 §5.4.2.3 / 5.5: the derived parameters for K source symbols. */
export function raptorParameters(K: number): RaptorParameters {
  checkK(K, 'parameters');
  let X = 1;
  while (X * (X - 1) < 2 * K) X++;
  // ceil(0.01 K) in integers: 0.01 has no exact binary form.
  const S = nextPrime(Math.floor((K + 99) / 100) + X);
  let H = 1;
  while (binomial(H, Math.ceil(H / 2)) < K + S) H++;
  const L = K + S + H;
  return { K, S, H, L, Lp: nextPrime(L), Hp: Math.ceil(H / 2), J: systematicIndex[K - 4] as number };
}

/** Rand[X, i, m] (§5.4.4.1). */
export function rand(X: number, i: number, m: number): number {
  const v = ((v0[(X + i) % 256] as number) ^ (v1[(Math.floor(X / 256) + i) % 256] as number)) >>> 0;
  return v % m;
}

/** Table 1 of §5.4.4.2: f[j] and d[j]. */
const DEGREE_F = [0, 10241, 491582, 712794, 831695, 948446, 1032189, 1048576];
const DEGREE_D = [0, 1, 2, 3, 4, 10, 11, 40];

/** Deg[v] for 0 ≤ v < 2^20 (§5.4.4.2): d[j] where f[j−1] ≤ v < f[j]. */
export function degree(v: number): number {
  for (let j = 1; j < DEGREE_F.length; j++) if (v < (DEGREE_F[j] as number)) return DEGREE_D[j] as number;
  throw new RangeError(`Raptor Deg[v]: v = ${v} is not below 2^20`);
}

export interface Triple {
  d: number;
  a: number;
  b: number;
}

const Q = 65521;

/** Trip[K, X] (§5.4.4.4). */
export function triple(p: RaptorParameters, X: number): Triple {
  const A = (53591 + p.J * 997) % Q;
  const B = (10267 * (p.J + 1)) % Q;
  const Y = (B + X * A) % Q;
  return { d: degree(rand(Y, 0, 1 << 20)), a: 1 + rand(Y, 1, p.Lp - 1), b: rand(Y, 2, p.Lp) };
}

/**
 * The intermediate symbols LTEnc[K, C, Trip[K, X]] XORs together (§5.4.4.3), appended to `out`. They are
 * distinct: the walk b, b + a, ... mod L′ (L′ prime, 0 < a < L′) visits at most L′ residues before repeating.
 */
export function ltColumns(p: RaptorParameters, X: number, out: number[]): void {
  const { d, a, b: b0 } = triple(p, X);
  let b = b0;
  while (b >= p.L) b = (b + a) % p.Lp;
  out.push(b);
  const n = Math.min(d - 1, p.L - 1);
  for (let j = 0; j < n; j++) {
    b = (b + a) % p.Lp;
    while (b >= p.L) b = (b + a) % p.Lp;
    out.push(b);
  }
}
