/**
 * RFC 5053 data and derived parameters: the tables V0, V1 (§5.6) and J(K) (§5.7) as generated from the RFC text
 * excerpt, the parameters of §5.4.2.3 against values worked out by hand, and the property J(K) was chosen for:
 * the L×L matrix A of §5.4.2.4.2 is invertible.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { planElimination } from '../src/mbms/fec/raptor/elimination.ts';
import {
  parseRfc5053Tables,
  RFC_TABLES_PATH,
  renderTablesTs,
} from '../src/mbms/fec/raptor/generate-tables.ts';
import { RAPTOR_MAX_K, raptorParameters } from '../src/mbms/fec/raptor/index.ts';
import { ltColumns, type RaptorParameters } from '../src/mbms/fec/raptor/parameters.ts';
import { raptorStructure, SparseRowsBuilder } from '../src/mbms/fec/raptor/structure.ts';
import { SYSTEMATIC_INDEX, V0, V1 } from '../src/mbms/fec/raptor/tables.ts';
import { FecError } from '../src/mbms/fec/types.ts';

const sha256 = (values: ArrayLike<number>) =>
  createHash('sha256').update(Array.from(values).join(',')).digest('hex');

const rfcText = readFileSync(RFC_TABLES_PATH, 'utf8');

test('tables.ts is exactly what generate-tables.ts makes of the RFC text', (t) => {
  const parsed = parseRfc5053Tables(rfcText);
  t.deepEqual(Array.from(V0), parsed.v0);
  t.deepEqual(Array.from(V1), parsed.v1);
  t.deepEqual(Array.from(SYSTEMATIC_INDEX), parsed.j);
  const generated = readFileSync(new URL('../src/mbms/fec/raptor/tables.ts', import.meta.url), 'utf8');
  t.is(generated, renderTablesTs(parsed));
});

test('table sizes, spot values and checksums (a changed digit anywhere fails here)', (t) => {
  t.is(V0.length, 256);
  t.is(V1.length, 256);
  t.is(SYSTEMATIC_INDEX.length, 8192 - 4 + 1);
  // First and last entries of each table as printed in RFC 5053 §5.6.1, §5.6.2, §5.7.
  t.deepEqual([V0[0], V0[1], V0[255]], [251291136, 3952231631, 1358307511]);
  t.deepEqual([V1[0], V1[1], V1[255]], [807385413, 2043073223, 4135048896]);
  t.deepEqual([SYSTEMATIC_INDEX[0], SYSTEMATIC_INDEX[1], SYSTEMATIC_INDEX[2]], [18, 14, 61]);
  t.is(SYSTEMATIC_INDEX[8192 - 4], 2665);
  t.is(sha256(V0), 'ada47f8bea82527b0cde414ec12638e758c7f9c7abc82b0f84ca5826c22d786d');
  t.is(sha256(V1), '4005a2ef5d43b59a413a35dd49058a6fdedc844b7ed54b22ff28b79cc4898c7f');
  t.is(sha256(SYSTEMATIC_INDEX), '52aba0ccb57c50cd4453ce5e38b91d37155708fb1913e59e550732b0b4e425d4');
});

test('the parser refuses a table with a value missing or out of range', (t) => {
  t.throws(() => parseRfc5053Tables(rfcText.replace('251291136, ', '')), { message: /V0 has 255 values/ });
  t.throws(() => parseRfc5053Tables(rfcText.replace('2665\n', '70000\n')), { message: /J\(K\)\[8188\]/ });
});

// Worked by hand from §5.4.2.3: X is the smallest integer with X(X−1) ≥ 2K, S the smallest prime ≥ ceil(0.01K) + X,
// H the smallest with C(H, ceil(H/2)) ≥ K + S, L = K + S + H, L′ the smallest prime ≥ L, H′ = ceil(H/2).
const HAND: [number, Omit<RaptorParameters, 'K' | 'J'>, number][] = [
  // K=4: X=4 (12 ≥ 8), S ≥ 1+4 → 5, C(5,3)=10 ≥ 9 → H=5, L=14, L′=17.
  [4, { S: 5, H: 5, L: 14, Lp: 17, Hp: 3 }, 18],
  // K=100: X=15 (210 ≥ 200), S ≥ 1+15 → 17, C(9,5)=126 ≥ 117 → H=9, L=126, L′=127.
  [100, { S: 17, H: 9, L: 126, Lp: 127, Hp: 5 }, 21],
  // K=1024: X=46 (2070 ≥ 2048), S ≥ 11+46 → 59, C(13,7)=1716 ≥ 1083 → H=13, L=1096, L′=1097.
  [1024, { S: 59, H: 13, L: 1096, Lp: 1097, Hp: 7 }, 213],
  // K=8192: X=129 (16512 ≥ 16384), S ≥ 82+129 → 211, C(16,8)=12870 ≥ 8403 → H=16, L=8419 (prime).
  [8192, { S: 211, H: 16, L: 8419, Lp: 8419, Hp: 8 }, 2665],
];

for (const [K, expected, J] of HAND) {
  test(`raptorParameters(${K}) matches the §5.4.2.3 formulas worked by hand`, (t) => {
    t.deepEqual(raptorParameters(K), { K, ...expected, J });
  });
}

test('raptorParameters refuses K outside 4..8192', (t) => {
  t.is(RAPTOR_MAX_K, 8192);
  for (const K of [0, 3, 8193, 4.5, Number.NaN]) {
    t.throws(() => raptorParameters(K), { instanceOf: FecError, message: /K = .* is outside 4\.\.8192/ });
  }
});

/** Whether A (LDPC, Half, and the LT rows of ESI 0..K−1 under systematic index J) has full rank L. */
function invertible(K: number, J = raptorParameters(K).J): boolean {
  const structure = raptorStructure(K);
  const p = { ...structure.params, J };
  const rows = new SparseRowsBuilder();
  rows.addFrom(structure.constraints);
  const cols: number[] = [];
  for (let i = 0; i < K; i++) {
    cols.length = 0;
    ltColumns(p, i, cols);
    rows.add(cols);
  }
  return planElimination(rows.build(), p.L, p.S, p.S + p.H) !== undefined;
}

test('J(K) makes A invertible (§5.7) for every K in 4..400 and a spread of larger K', (t) => {
  const sample = [
    ...Array.from({ length: 397 }, (_, i) => i + 4),
    401,
    512,
    777,
    1000,
    1024,
    2048,
    3001,
    4096,
  ];
  const singular = sample.filter((K) => !invertible(K));
  t.deepEqual(singular, []);
});

test('negative control: with J(K) + 1 instead, A is singular for many K (the check above can fail)', (t) => {
  const singular = Array.from({ length: 100 }, (_, i) => i + 4).filter(
    (K) => !invertible(K, raptorParameters(K).J + 1),
  );
  t.true(singular.length > 50, `singular for ${singular.length} of 100 K`);
});
