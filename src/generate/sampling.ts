// Choosing the next token from a row of logits. The steps and their order follow Hugging Face
// transformers' logits processors (generation/logits_process.py): repetition penalty, temperature,
// top-k, then on the probabilities top-p (nucleus) and min-p; then one draw from what is left.
// The original i3 has only temperature and top-k (spec §3.7); with the other knobs at their
// defaults the choice is the same as its `torch.multinomial(softmax(logits / T))`.

import type { Generator } from '../tensor/random.ts';

/** How the next token is drawn from the logits. */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (ties at the k-th kept, as the original). 0 = off. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p. 1 = off. */
  topP?: number;
  /** Keep tokens at least minP × the top token's probability. 0 = off. */
  minP?: number;
  /** > 1 discourages tokens already in the context (CTRL, Keskar et al. 2019). 1 = off. */
  repetitionPenalty?: number;
}

/** Throws, naming the option and its valid range, for a bad sampling setting. */
export function checkSamplingOptions(o: SamplingOptions): void {
  const bad = (name: string, value: unknown, want: string): never => { throw new Error(`${name} is ${value}; it must be ${want}`); };
  const { temperature = 1, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1 } = o;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) bad('temperature', temperature, 'a finite number ≥ 0 (0 = greedy)');
  if (!Number.isInteger(topK) || topK < 0) bad('top-k', topK, 'a whole number ≥ 0 (0 = off)');
  if (!(topP > 0 && topP <= 1)) bad('top-p', topP, 'in (0, 1] (1 = off)');
  if (!(minP >= 0 && minP < 1)) bad('min-p', minP, 'in [0, 1) (0 = off)');
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) bad('repetition penalty', repetitionPenalty, 'a finite number > 0 (1 = off)');
}

/**
 * Picks the next token id. `context` holds the ids the repetition penalty looks at. Top-k is a
 * selection (O(V)), not a sort, and everything after it runs over the kept ids only (in id order,
 * so the sums, and therefore the draws, are exactly those over the whole vocabulary with the rest
 * at probability 0).
 */
export function sampleToken(logits: ArrayLike<number>, context: readonly number[], o: SamplingOptions, generator: Generator): number {
  const { temperature = 1, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1 } = o;
  const scores = Float64Array.from(logits);
  const nan = scores.findIndex(Number.isNaN);
  if (nan >= 0) throw new Error(`sampling: the logit of id ${nan} is NaN; the model produced NaN (run with anomaly mode to find the op)`);
  if (repetitionPenalty !== 1) {
    // Dividing a positive logit and multiplying a negative one both make the token less likely.
    for (const id of new Set(context)) scores[id] = scores[id] > 0 ? scores[id] / repetitionPenalty : scores[id] * repetitionPenalty;
  }
  if (temperature === 0) return argmax(scores);

  for (let i = 0; i < scores.length; i++) scores[i] /= temperature;
  const ids = topK > 0 && topK < scores.length ? atLeast(scores, kthLargest(scores, topK)) : Int32Array.from(scores.keys());
  const probs = softmax(scores, ids); // probs[j] belongs to ids[j]
  if (topP < 1 || minP > 0) {
    // most likely first; ties keep id order (a stable sort), as over the whole vocabulary
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    const floor = minP * probs[order[0]];
    let cumulative = 0;
    for (const [rank, j] of order.entries()) {
      // keep the top token always; drop the rest once the nucleus reached topP, or below min-p
      if (rank > 0 && (cumulative >= topP || probs[j] < floor)) probs[j] = 0;
      cumulative += probs[j];
    }
  }
  return ids[draw(probs, generator.uniform())];
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Scratch for kthLargest, grown to the largest vocabulary seen (no allocation per token). */
let scratch = new Float64Array(0);

/** The k-th largest value (ties counted), by quickselect (Hoare partition) on a scratch copy. */
function kthLargest(values: Float64Array, k: number): number {
  if (scratch.length < values.length) scratch = new Float64Array(values.length);
  const a = scratch.subarray(0, values.length);
  a.set(values);
  const target = values.length - k; // its index in ascending order
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break; // a[j+1 .. i-1] all equal the pivot
  }
  return a[target];
}

/** The ids whose score is ≥ threshold, ascending (ties at the k-th are kept, as the original's top-k). */
function atLeast(scores: Float64Array, threshold: number): Int32Array {
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] >= threshold) n++;
  const ids = new Int32Array(n);
  for (let i = 0, j = 0; i < scores.length; i++) if (scores[i] >= threshold) ids[j++] = i;
  return ids;
}

/** softmax of scores[ids[j]] over j, summed in id order. */
function softmax(scores: Float64Array, ids: Int32Array): Float64Array {
  let max = -Infinity;
  for (const id of ids) max = Math.max(max, scores[id]);
  const out = new Float64Array(ids.length);
  let total = 0;
  for (let j = 0; j < ids.length; j++) total += out[j] = Math.exp(scores[ids[j]] - max);
  for (let j = 0; j < out.length; j++) out[j] /= total;
  return out;
}

/** Inverse-CDF draw from unnormalised weights with u ∈ [0, 1); returns the position in `weights`. */
function draw(weights: Float64Array, u: number): number {
  const total = weights.reduce((s, x) => s + x, 0);
  let target = u * total, last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    last = i;
    target -= weights[i];
    if (target < 0) return i;
  }
  return last; // rounding left u·total a hair above the sum: the last kept token
}
