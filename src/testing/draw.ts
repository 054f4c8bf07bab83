// The Draw interface of op domains, implemented on fast-check: shapes and choices come from fast-check
// (so a failure shrinks to a small case), values from our seeded generator (so they are well spread).

import fc from 'fast-check';
import { tensor } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Draw, ValueOptions } from '../ops/draw.ts';
import type { Tensor } from '../tensor/tensor.ts';

type GenFn = <T>(arb: () => fc.Arbitrary<T>) => T;

/** A Draw backed by fast-check's `fc.gen()` value; every tensor it creates is listed in `created`. */
export function fastCheckDraw(g: GenFn, created: Tensor[] = []): Draw {
  const draw: Draw = {
    int: (min, max) => g(() => fc.integer({ min, max })),
    bool: () => g(() => fc.boolean()),
    pick: (items) => items[g(() => fc.integer({ min: 0, max: items.length - 1 }))],
    shape: (minRank = 0, maxRank = 3, maxDim = 4) => {
      const rank = draw.int(minRank, maxRank);
      return Array.from({ length: rank }, () => draw.int(1, maxDim));
    },
    broadcastable: (count, minRank = 0, maxRank = 3) => {
      const full = draw.shape(minRank, maxRank);
      return Array.from({ length: count }, () => {
        const drop = draw.int(0, full.length);
        return full.slice(drop).map((d) => (draw.bool() && draw.bool() ? 1 : d));
      });
    },
    tensor: (shape, lo, hi, options = {}) => {
      const t = tensor(values(sizeOf(shape), lo, hi, options, draw.int(0, 2 ** 31 - 1)), { dtype: 'float64', shape, requiresGrad: true });
      created.push(t);
      return t;
    },
    ids: (shape, n) => {
      const t = tensor(Array.from({ length: sizeOf(shape) }, () => draw.int(0, n - 1)), { dtype: 'int32', shape });
      created.push(t);
      return t;
    },
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
