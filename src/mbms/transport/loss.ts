/**
 * Packet loss models for channels and tests, seeded: uniform (independent) loss and the Gilbert-Elliott
 * two-state model for bursts (a good state with loss pGood and a bad state with loss pBad; transition
 * probabilities per packet).
 */

export interface LossModel {
  /** True when the next packet is lost. */
  lost(): boolean;
}

export type LossSpec =
  | { kind: 'none' }
  | { kind: 'uniform'; rate: number }
  | { kind: 'gilbert-elliott'; pGoodToBad: number; pBadToGood: number; lossGood?: number; lossBad?: number };

export function lossModel(spec: LossSpec, random: () => number): LossModel {
  switch (spec.kind) {
    case 'none':
      return { lost: () => false };
    case 'uniform':
      checkProbability(spec.rate, 'uniform loss rate');
      return { lost: () => random() < spec.rate };
    case 'gilbert-elliott': {
      checkProbability(spec.pGoodToBad, 'Gilbert-Elliott p(good→bad)');
      checkProbability(spec.pBadToGood, 'Gilbert-Elliott p(bad→good)');
      const lossGood = spec.lossGood ?? 0;
      const lossBad = spec.lossBad ?? 1;
      let bad = false;
      return {
        lost: () => {
          bad = bad ? random() >= spec.pBadToGood : random() < spec.pGoodToBad;
          return random() < (bad ? lossBad : lossGood);
        },
      };
    }
  }
}

/** Long-run loss rate of a Gilbert-Elliott channel: π_bad·lossBad + π_good·lossGood. */
export function gilbertElliottMeanLoss(spec: Extract<LossSpec, { kind: 'gilbert-elliott' }>): number {
  const piBad = spec.pGoodToBad / (spec.pGoodToBad + spec.pBadToGood);
  return piBad * (spec.lossBad ?? 1) + (1 - piBad) * (spec.lossGood ?? 0);
}

function checkProbability(p: number, what: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${what} must be in [0, 1], got ${p}`);
}
