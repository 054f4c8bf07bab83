// Counter-based randomness: the generator for draw k of a run with seed s is built from (s, k) alone.
// So the "RNG state" a checkpoint must save is just k (which batch comes next), and a resumed run
// draws exactly the windows the uninterrupted run would have drawn.

import { Generator } from '../tensor/random.ts';

/** A 32-bit mix of the seed and counters (murmur3's finaliser over each word). */
export function mixSeed(seed: number, ...counters: number[]): number {
  let h = seed >>> 0;
  for (const c of counters) {
    h = Math.imul(h ^ (c >>> 0) ^ Math.floor(c / 2 ** 32), 0x9e3779b1);
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A Generator determined by the seed and the counters alone (e.g. the batch index), so a resumed run draws
 * what the uninterrupted one would have.
 */
export const seededGenerator = (seed: number, ...counters: number[]): Generator => new Generator(mixSeed(seed, ...counters));
