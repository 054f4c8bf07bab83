// The Draw interface of op domains, implemented on a "tape" of random choices: fast-check generates
// an array of naturals, and every decision (a rank, a dim, a seed for values) reads the next one.
// Shrinking the tape (shorter, smaller numbers) shrinks the case toward rank 0 and size-1 dims, and it
// always terminates (fc.gen()'s shrinker did not for some failing properties). Values come from our
// seeded generator so they are well spread and avoid the kinks the domain asks to avoid.

import fc from 'fast-check';
import { tensor } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Draw, ValueOptions } from '../ops/draw.ts';

/**
 * The arbitrary whose values `tapeDraw` reads. At least 48 choices, so choices drawn late (after the
 * shapes) are as random as early ones; past the end of the tape every choice is the smallest.
 */
export const tapeArbitrary = (): fc.Arbitrary<number[]> => fc.array(fc.noBias(fc.nat({ max: 0x7fffffff })), { minLength: 48, maxLength: 96 });

/** A Draw that reads its decisions from `tape` (0 once the tape runs out, i.e. the smallest choice). */
export function tapeDraw(tape: readonly number[]): Draw {
  let next = 0;
  const draw: Draw = {
    int: (min, max) => min + ((tape[next++] ?? 0) % (max - min + 1)),
    bool: () => draw.int(0, 1) === 1,
    pick: (items) => items[draw.int(0, items.length - 1)],
    shape: (minRank = 0, maxRank = 3, maxDim = 4) => {
      const rank = draw.int(minRank, maxRank);
      return Array.from({ length: rank }, () => draw.int(1, maxDim));
    },
    broadcastable: (count, minRank = 0, maxRank = 3) => {
      const full = draw.shape(minRank, maxRank);
      return Array.from({ length: count }, () => {
        const drop = draw.int(0, full.length);
        return full.slice(drop).map((d) => (draw.int(0, 3) === 3 ? 1 : d));
      });
    },
    tensor: (shape, lo, hi, options = {}) =>
      tensor(values(sizeOf(shape), lo, hi, options, draw.int(0, 0x7fffffff)), { dtype: 'float64', shape, requiresGrad: true }),
    ids: (shape, n) => tensor(Array.from({ length: sizeOf(shape) }, () => draw.int(0, n - 1)), { dtype: 'int32', shape }),
  };
  return draw;
}

/** n values in [lo, hi]: uniform, on an odd / even grid of step 0.05, or all distinct. */
function values(n: number, lo: number, hi: number, options: ValueOptions, seed: number): number[] {
  const rng = new Generator(seed);
  if (options.grid) {
    const parity = options.grid === 'odd' ? 1 : 0;
    const kLo = Math.ceil(lo / 0.05), kHi = Math.floor(hi / 0.05);
    return Array.from({ length: n }, () => {
      let k = kLo + rng.int(kHi - kLo + 1);
      if (Math.abs(k % 2) !== parity) k += k + 1 <= kHi ? 1 : -1;
      return k * 0.05;
    });
  }
  if (options.distinct) {
    // A shuffled ladder: neighbours differ by at least (hi - lo) / n / 2, so there are no ties.
    const ladder = Array.from({ length: n }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / n);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [ladder[i], ladder[j]] = [ladder[j], ladder[i]];
    }
    return ladder;
  }
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}
