// Choosing the next token from a row of logits. The steps and their order follow Hugging Face
// transformers' logits processors (generation/logits_process.py): repetition penalty, temperature,
// top-k, then on the probabilities top-p (nucleus) and min-p; then one draw from what is left.
// The original i3 has only temperature and top-k (spec §3.7); with the other knobs at their
// defaults the choice is the same as its `torch.multinomial(softmax(logits / T))`.

import type { Generator } from '../tensor/random.ts';

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

export function checkSamplingOptions(o: SamplingOptions): void {
  const bad = (name: string, value: unknown, want: string): never => { throw new Error(`${name} is ${value}; it must be ${want}`); };
  const { temperature = 1, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1 } = o;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) bad('temperature', temperature, 'a finite number ≥ 0 (0 = greedy)');
  if (!Number.isInteger(topK) || topK < 0) bad('top-k', topK, 'a whole number ≥ 0 (0 = off)');
  if (!(topP > 0 && topP <= 1)) bad('top-p', topP, 'in (0, 1] (1 = off)');
  if (!(minP >= 0 && minP < 1)) bad('min-p', minP, 'in [0, 1) (0 = off)');
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) bad('repetition penalty', repetitionPenalty, 'a finite number > 0 (1 = off)');
}

/** Picks the next token id. `context` holds the ids the repetition penalty looks at. */
export function sampleToken(logits: ArrayLike<number>, context: readonly number[], o: SamplingOptions, generator: Generator): number {
  const { temperature = 1, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1 } = o;
  const scores = Float64Array.from(logits);
  if (repetitionPenalty !== 1) {
    // Dividing a positive logit and multiplying a negative one both make the token less likely.
    for (const id of new Set(context)) scores[id] = scores[id] > 0 ? scores[id] / repetitionPenalty : scores[id] * repetitionPenalty;
  }
  if (temperature === 0) return argmax(scores);

  for (let i = 0; i < scores.length; i++) scores[i] /= temperature;
  if (topK > 0 && topK < scores.length) {
    const kth = Float64Array.from(scores).sort()[scores.length - topK];
    for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
  }
  const probs = softmax(scores);
  if (topP < 1 || minP > 0) {
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    const floor = minP * probs[order[0]];
    let cumulative = 0;
    for (const [rank, id] of order.entries()) {
      // keep the top token always; drop the rest once the nucleus reached topP, or below min-p
      if (rank > 0 && (cumulative >= topP || probs[id] < floor)) probs[id] = 0;
      cumulative += probs[id];
    }
  }
  return draw(probs, generator.uniform());
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function softmax(scores: Float64Array): Float64Array {
  const max = scores.reduce((m, x) => Math.max(m, x), -Infinity);
  const out = scores.map((x) => Math.exp(x - max));
  const total = out.reduce((s, x) => s + x, 0);
  return out.map((x) => x / total);
}

/** Inverse-CDF draw from unnormalised weights with u ∈ [0, 1). */
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
