// What an op's test domain may ask for. The property tests implement this on top of fast-check
// (so shapes shrink to a minimal failing case); `gradcheck` users can implement it any way they like.

import type { Tensor } from '../tensor/tensor.ts';

/** How a domain's drawn values avoid an op's kinks (ties, zeros). */
export interface ValueOptions {
  /** Values lie on a grid of step 0.05 at odd multiples (never 0, never equal to an 'even' tensor)… */
  grid?: 'odd' | 'even';
  /** …or are all distinct (no ties for max). */
  distinct?: boolean;
}

/** What an op's property-test domain draws from: integers, shapes, broadcastable shapes and tensors. */
export interface Draw {
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** A shape with rank in [minRank, maxRank], dims in [1, maxDim]. */
  shape(minRank?: number, maxRank?: number, maxDim?: number): number[];
  /** Shapes of `count` tensors that broadcast together: each drops leading dims or has 1s at random. */
  broadcastable(count: number, minRank?: number, maxRank?: number): number[][];
  /** A float64 leaf that requires grad, values uniform in [lo, hi]. */
  tensor(shape: readonly number[], lo: number, hi: number, options?: ValueOptions): Tensor;
  /** An int32 tensor with values in [0, n). */
  ids(shape: readonly number[], n: number): Tensor;
  pick<T>(items: readonly T[]): T;
  bool(): boolean;
}
