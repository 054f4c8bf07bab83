// Fused ops with hand-written kernels (forward and backward) against the autograd composition of
// primitive ops: same values and same gradients, over random shapes and values, in float64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { forAllCases } from '../../src/testing/property.ts';
import type { Draw, Tensor } from '../../src/index.ts';

const t = suite('fused ops vs composition of primitives');

/** Value and gradients (w.r.t. every input, under a fixed random output weighting) of fn. */
function valueAndGrads(fn: (xs: readonly Tensor[]) => Tensor, inputs: readonly Tensor[]): number[][] {
  const out = fn(inputs);
  const weights = I.randn(out.shape, { dtype: 'float64', generator: new I.Generator(11) });
  I.sum(I.mul(out, weights)).backward();
  const result = [Array.from(out.data()), ...inputs.map((x) => Array.from(x.grad!.data()))];
  inputs.forEach((x) => { x.grad!.dispose(); x.grad = null; });
  return result;
}

function assertSame(fused: number[][], composed: number[][], what: string): void {
  fused.forEach((arr, k) => arr.forEach((v, i) => {
    const w = composed[k][i];
    assert.ok(Math.abs(v - w) <= 1e-10 * (1 + Math.abs(w)), `${what}: ${k === 0 ? 'value' : `gradient of input ${k - 1}`}[${i}] fused ${v} vs composed ${w}`);
  }));
}

function compare(name: string, domain: (d: Draw) => Tensor[], fused: (xs: readonly Tensor[]) => Tensor, composed: (xs: readonly Tensor[]) => Tensor): void {
  t(`${name}: fused kernels equal the composition of primitive ops (values and gradients)`, () => {
    forAllCases((d) => ({ inputs: domain(d), run: fused }), (c) => assertSame(valueAndGrads(fused, c.inputs), valueAndGrads(composed, c.inputs), name), { numRuns: 30 });
  });
}

compare(
  'layerNorm',
  (d) => { const s = d.shape(1, 3, 6); const C = s[s.length - 1]; return [d.tensor(s, -3, 3), d.tensor([C], 0.5, 2), d.tensor([C], -1, 1)]; },
  ([x, w, b]) => I.layerNorm(x, w, b),
  ([x, w, b]) => {
    const mu = I.mean(x, -1, true);
    const centered = I.sub(x, mu);
    const variance = I.mean(I.mul(centered, centered), -1, true);
    return I.add(I.mul(I.div(centered, I.sqrt(I.add(variance, 1e-5))), w), b);
  },
);

compare(
  'softmax',
  (d) => [d.tensor(d.shape(1, 3, 6), -5, 5)],
  ([x]) => I.softmax(x, -1),
  ([x]) => { const e = I.exp(I.sub(x, I.detach(I.max(x, -1, true)))); return I.div(e, I.sum(e, -1, true)); },
);

compare(
  'logSoftmax',
  (d) => [d.tensor(d.shape(1, 3, 6), -5, 5)],
  ([x]) => I.logSoftmax(x, 0),
  ([x]) => I.sub(x, I.log(I.sum(I.exp(x), 0, true))),
);

const targetsFor = new Map<Tensor, Tensor>();
compare(
  'crossEntropy',
  (d) => {
    const [N, V] = [d.int(1, 6), d.int(1, 6)];
    const logits = d.tensor([N, V], -4, 4);
    targetsFor.set(logits, d.ids([N], V));
    return [logits];
  },
  ([x]) => I.crossEntropy(x, targetsFor.get(x)!),
  ([x]) => {
    const targets = targetsFor.get(x)!;
    const onehot = I.eq(I.reshape(I.toDType(targets, 'float64'), [-1, 1]), I.arange(x.shape[1], undefined, 1, { dtype: 'float64' }));
    return I.neg(I.mean(I.sum(I.mul(I.logSoftmax(x, -1), onehot), -1)));
  },
);

t('crossEntropy with ignoreIndex averages over the kept rows only', () => {
  const logits = I.tensor([[1, 2, 3], [0, 0, 0], [3, 2, 1]], { dtype: 'float64' });
  const all = I.crossEntropy(logits, I.tensor([2, 0, 0], { dtype: 'int32' })).item();
  const skip = I.crossEntropy(logits, I.tensor([2, -100, 0], { dtype: 'int32' })).item();
  const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
  assert.ok(Math.abs(skip - (lse([1, 2, 3]) - 3 + lse([3, 2, 1]) - 3) / 2) < 1e-12);
  assert.ok(Math.abs(all - (lse([1, 2, 3]) - 3 + lse([0, 0, 0]) + lse([3, 2, 1]) - 3) / 3) < 1e-12);
});

t.run();
