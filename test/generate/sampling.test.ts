// Sampling: greedy is the argmax; each filter keeps exactly the tokens it should; draws follow the
// filtered softmax; the seed makes runs repeatable; bad settings are clear errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Generator } from '../../src/index.ts';
import { checkSamplingOptions, sampleToken, type SamplingOptions } from '../../src/generate/sampling.ts';

const t = suite('sampling');
const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]; // probabilities 0.5, 0.3, 0.15, 0.05

/** Frequencies of each id over n draws. */
function frequencies(o: SamplingOptions, n = 20000, context: number[] = [], values = logits): number[] {
  const g = new Generator(5), counts = values.map(() => 0);
  for (let i = 0; i < n; i++) counts[sampleToken(values, context, o, g)]++;
  return counts.map((c) => c / n);
}
const close = (got: number[], want: number[], tol = 0.015) =>
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `id ${i}: frequency ${g.toFixed(4)}, expected ${want[i].toFixed(4)} (all: ${got.map((x) => x.toFixed(3))})`));

t('temperature 0 is the argmax; top-k 1 is the argmax at any temperature', () => {
  const g = new Generator(1);
  assert.is(sampleToken([0.1, 2, -1, 1.9], [], { temperature: 0 }, g), 1);
  for (let i = 0; i < 50; i++) assert.is(sampleToken([0.1, 2, -1, 1.9], [], { temperature: 5, topK: 1 }, g), 1);
});

t('plain sampling follows softmax(logits / T)', () => {
  close(frequencies({}), [0.5, 0.3, 0.15, 0.05]);
  const sharp = logits.map((x) => Math.exp(x / 0.5)), total = sharp.reduce((a, b) => a + b);
  close(frequencies({ temperature: 0.5 }), sharp.map((x) => x / total));
});

t('top-k keeps the k most likely, renormalised', () => close(frequencies({ topK: 2 }), [0.625, 0.375, 0, 0]));
t('top-p keeps the smallest set reaching p', () => {
  close(frequencies({ topP: 0.75 }), [0.625, 0.375, 0, 0]);
  close(frequencies({ topP: 0.81 }), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
  close(frequencies({ topP: 0.01 }), [1, 0, 0, 0]);
});
t('min-p keeps tokens with at least min-p × the top probability', () => close(frequencies({ minP: 0.35 }), [0.625, 0.375, 0, 0]));

t('the repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
  const g = new Generator(0);
  assert.is(sampleToken([2, 1.5, -1], [0], { temperature: 0, repetitionPenalty: 1.5 }, g), 1); // 2 / 1.5 < 1.5
  assert.is(sampleToken([-1, -1.2, -5], [0], { temperature: 0, repetitionPenalty: 1.5 }, g), 1); // -1 × 1.5 < -1.2
  assert.is(sampleToken([2, 1.5, -1], [0], { temperature: 0, repetitionPenalty: 1.2 }, g), 0); // 2 / 1.2 > 1.5
});

t('the same seed gives the same draws', () => {
  const run = (seed: number) => { const g = new Generator(seed); return Array.from({ length: 30 }, () => sampleToken(logits, [], {}, g)); };
  assert.equal(run(9), run(9));
  assert.not.equal(run(9), run(10));
});

/** The full-vocabulary procedure, step by step (sort for top-k, softmax and draw over every id). */
function referenceSample(logits: ArrayLike<number>, context: readonly number[], o: SamplingOptions, g: Generator): number {
  const { temperature = 1, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1 } = o;
  const s = Array.from(logits);
  for (const id of new Set(context)) s[id] = s[id] > 0 ? s[id] / repetitionPenalty : s[id] * repetitionPenalty;
  if (temperature === 0) return s.indexOf(Math.max(...s));
  const scaled = s.map((x) => x / temperature);
  const kth = topK > 0 && topK < s.length ? [...scaled].sort((a, b) => a - b)[s.length - topK] : -Infinity;
  const kept = scaled.map((x) => (x >= kth ? x : -Infinity));
  const max = Math.max(...kept);
  const e = kept.map((x) => Math.exp(x - max));
  let z = 0;
  for (const x of e) z += x;
  const p = e.map((x) => x / z);
  const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a]);
  const floor = minP * p[order[0]];
  let cum = 0;
  order.forEach((id, rank) => { if (rank > 0 && (cum >= topP || p[id] < floor)) p[id] = 0; cum += p[id]; });
  let total = 0;
  for (const x of p) total += x;
  let target = g.uniform() * total, last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    last = i;
    target -= p[i];
    if (target < 0) return i;
  }
  return last;
}

t('the same draws as the full-vocabulary procedure (top-k by selection, over the kept ids only)', () => {
  const g = new Generator(11);
  const settings: SamplingOptions[] = [
    {}, { topK: 1 }, { topK: 5 }, { topK: 40, temperature: 0.7 }, { topP: 0.9 }, { topK: 20, topP: 0.8 }, { topK: 30, minP: 0.05 },
    { repetitionPenalty: 1.3, topK: 10 }, { temperature: 0 },
  ];
  for (let trial = 0; trial < 60; trial++) {
    const V = 50 + g.int(300);
    // coarse values so ties (also at the k-th) occur
    const values = Array.from({ length: V }, () => Math.round(g.normal() * 4) / 2);
    const context = Array.from({ length: 5 }, () => g.int(V));
    for (const o of settings) {
      const seed = g.int(1000);
      const got = sampleToken(values, context, o, new Generator(seed));
      assert.is(got, referenceSample(values, context, o, new Generator(seed)), `trial ${trial}, ${JSON.stringify(o)}`);
    }
  }
});

t('NaN logits are an error, not a silent choice', () => {
  assert.throws(() => sampleToken([0, NaN, 1], [], {}, new Generator(0)), /logit of id 1 is NaN/);
});

t('bad settings are errors naming the setting and the allowed range', () => {
  assert.throws(() => checkSamplingOptions({ temperature: -1 }), /temperature is -1; it must be a finite number ≥ 0/);
  assert.throws(() => checkSamplingOptions({ topK: 1.5 }), /top-k is 1\.5/);
  assert.throws(() => checkSamplingOptions({ topP: 0 }), /top-p is 0; it must be in \(0, 1\]/);
  assert.throws(() => checkSamplingOptions({ minP: 1 }), /min-p is 1/);
  assert.throws(() => checkSamplingOptions({ repetitionPenalty: 0 }), /repetition penalty is 0/);
});

t.run();
