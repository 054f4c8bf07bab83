// The learning-rate schedule of the i3 scripts (spec §3.8): linear warmup, then a cosine from the
// peak down to a floor (10 % of peak), evaluated at a 0-based iteration `it`:
//   it < warmup:  lr(it) = peak · (it + 1) / warmup
//   otherwise:    lr(it) = peak · (floor + (1 − floor) · ½ (1 + cos(π · p))),  p = (it − warmup) / (total − warmup)
// p is clamped to [0, 1], so iterations past `total` stay at the floor.

/** Settings of warmupCosine. */
export interface WarmupCosine {
  peak: number;
  warmup: number;
  /** The iteration at which the cosine reaches the floor (max_iters). */
  total: number;
  /** Fraction of the peak the cosine ends at; default 0.1. */
  floor?: number;
}

/** A learning rate for each 0-based iteration. */
export type Schedule = (it: number) => number;

/** The i3 scripts' schedule: linear warmup to `peak`, then a cosine down to `floor · peak` at `total`. */
export function warmupCosine({ peak, warmup, total, floor = 0.1 }: WarmupCosine): Schedule {
  if (!(peak >= 0)) throw new Error(`warmupCosine: peak must be ≥ 0, got ${peak}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmupCosine: warmup must be a non-negative integer, got ${warmup}`);
  if (!Number.isInteger(total) || total < warmup) throw new Error(`warmupCosine: total (${total}) must be an integer ≥ warmup (${warmup})`);
  if (!(floor >= 0 && floor <= 1)) throw new Error(`warmupCosine: floor must lie in [0, 1], got ${floor}`);
  return (it) => {
    if (it < warmup) return (peak * (it + 1)) / warmup;
    const p = total === warmup ? 1 : Math.min(1, (it - warmup) / (total - warmup));
    return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
  };
}
