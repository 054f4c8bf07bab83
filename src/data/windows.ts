// Batches of training windows cut from a token array. A window is T+1 consecutive tokens: the input
// x = tokens[s .. s+T) and the target y = tokens[s+1 .. s+T+1), the next token at every position.
//   RandomWindows      as the original (spec §3.8): each start uniform in [0, N − T − 1)
//   SequentialWindows  an epoch mode: non-overlapping windows at 0, T, 2T, … in order, so every
//                      token is a target once per epoch; batch k continues where batch k−1 stopped
// Both are pure functions of the batch index k (seeded.ts), so resuming at batch k needs nothing else.

import { seededGenerator } from './seeded.ts';

/** B windows of T input ids and their T next-token targets, row-major. */
export interface Batch {
  /** Inputs, B·T ids row-major (B rows of T). */
  x: Int32Array;
  /** Targets, the inputs shifted by one. */
  y: Int32Array;
  B: number;
  T: number;
}

/** Anything that yields batches by index: a pure function of k, so resuming needs only k. */
export interface BatchSource {
  /** The k-th batch (k = 0, 1, …); the same k always gives the same batch. */
  batch(k: number): Batch;
}

function check(tokens: Int32Array, B: number, T: number, what: string): void {
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) throw new Error(`${what}: batch size and window length must be positive integers, got B=${B}, T=${T}`);
  if (tokens.length < T + 2) throw new Error(`${what}: ${tokens.length} tokens are too few for windows of T+1 = ${T + 1}; use more data or a shorter --seq-len`);
}

function cut(tokens: Int32Array, starts: number[], T: number): Batch {
  const B = starts.length, x = new Int32Array(B * T), y = new Int32Array(B * T);
  starts.forEach((s, b) => {
    x.set(tokens.subarray(s, s + T), b * T);
    y.set(tokens.subarray(s + 1, s + T + 1), b * T);
  });
  return { x, y, B, T };
}

/** Windows at uniformly random starts, as the original's get_batch (spec §3.8); batch k is seeded by (seed, k). */
export class RandomWindows implements BatchSource {
  constructor(private readonly tokens: Int32Array, readonly B: number, readonly T: number, private readonly seed: number) {
    check(tokens, B, T, 'RandomWindows');
  }
  batch(k: number): Batch {
    const gen = seededGenerator(this.seed, k);
    const starts = Array.from({ length: this.B }, () => gen.int(this.tokens.length - this.T - 1));
    return cut(this.tokens, starts, this.T);
  }
}

/** Non-overlapping windows in order (an epoch mode): every token is a target once per epoch. */
export class SequentialWindows implements BatchSource {
  /** Windows in one epoch. */
  readonly windows: number;
  constructor(private readonly tokens: Int32Array, readonly B: number, readonly T: number) {
    check(tokens, B, T, 'SequentialWindows');
    this.windows = Math.floor((tokens.length - 1) / T);
  }
  batch(k: number): Batch {
    const starts = Array.from({ length: this.B }, (_, b) => ((k * this.B + b) % this.windows) * this.T);
    return cut(this.tokens, starts, this.T);
  }
  /** The epoch (0-based) batch k falls in. */
  epochOf(k: number): number {
    return Math.floor((k * this.B) / this.windows);
  }
}
