// The graph walk itself: reused nodes, long chains, repeated backward, freed graphs, seeds, no-grad.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { gradcheck } from '../../src/testing/gradcheck.ts';

const t = suite('autograd');
const f64 = (data: I.NestedArray, requiresGrad = true) => I.tensor(data, { dtype: 'float64', requiresGrad });
const close = (got: I.NestedArray, want: I.NestedArray, tol = 1e-12) => {
  const g = ([got] as unknown[]).flat(9) as number[], w = ([want] as unknown[]).flat(9) as number[];
  assert.is(g.length, w.length);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i])), `element ${i}: ${v} vs ${w[i]}`));
};

t('a node used several times receives the sum of its gradients (micrograd#64)', () => {
  const x = f64([2, -3]);
  const y = I.mul(x, x); // x reused as both operands
  const z = I.add(y, I.mul(y, 3)); // y reused: z = 4x²
  I.sum(z).backward();
  close(x.grad!.toArray(), [16, -24]); // dz/dx = 8x
});

t('diamond graphs: a → (b, c) → d gets every path once', () => {
  const a = f64(1.5);
  const b = I.exp(a), c = I.tanh(a);
  const d = I.mul(b, c);
  d.backward();
  const want = Math.exp(1.5) * Math.tanh(1.5) + Math.exp(1.5) * (1 - Math.tanh(1.5) ** 2);
  close(a.grad!.item(), want);
});

t('backward on a 20,000-op chain does not overflow the stack (iterative topological order)', () => {
  const x = f64(0.5);
  let y: I.Tensor = x;
  for (let i = 0; i < 20000; i++) y = I.mul(y, 1.00001);
  y.backward();
  close(x.grad!.item(), 1.00001 ** 20000, 1e-9);
});

t('repeated backward after zeroing grads gives the same result (micrograd#102)', () => {
  const x = f64([[1, 2], [3, 4]]);
  const w = f64([[0.5], [-1]]);
  const loss = I.mean(I.tanh(I.matmul(x, w)));
  loss.backward(undefined, { retainGraph: true });
  const first = [x.grad!.toArray(), w.grad!.toArray()];
  x.grad = null; w.grad = null;
  loss.backward(undefined, { retainGraph: true });
  assert.equal([x.grad!.toArray(), w.grad!.toArray()], first);
  // without zeroing, gradients accumulate: exactly twice
  loss.backward();
  close(w.grad!.toArray(), (first[1] as number[][]).map((r) => r.map((v) => 2 * v)));
});

t('backward through a freed graph throws and says how to keep it', () => {
  const x = f64([1, 2]);
  const loss = I.sum(I.exp(x));
  loss.backward();
  assert.throws(() => loss.backward(), /already freed.*retainGraph/);
});

t('backward on a non-scalar needs a seed gradient of the same shape', () => {
  const x = f64([1, 2, 3]);
  const y = I.mul(x, 2);
  assert.throws(() => y.backward(), /non-scalar tensor of shape \[3\] without a seed gradient/);
  assert.throws(() => y.backward(I.tensor([1, 1], { dtype: 'float64' })), /seed gradient has shape \[2\] but the tensor has shape \[3\]/);
  y.backward(I.tensor([1, 10, 100], { dtype: 'float64' }));
  close(x.grad!.toArray(), [2, 20, 200]);
});

t('backward on a tensor that does not require grad explains why', () => {
  assert.throws(() => I.sum(I.tensor([1, 2])).backward(), /does not require grad/);
});

t('noGrad records nothing; detach stops gradients but shares data', () => {
  const x = f64([1, 2]);
  const y = I.noGrad(() => I.mul(x, 3));
  assert.is(y.requiresGrad, false);
  assert.is(y.gradFn, null);
  const d = I.detach(x);
  assert.is(d.requiresGrad, false);
  assert.is(d.storage, x.storage);
  const z = I.add(I.mul(d, x), x); // only the non-detached uses count: dz/dx = d + 1
  I.sum(z).backward();
  close(x.grad!.toArray(), [2, 3]);
});

t('only leaves keep .grad; intermediate gradients are freed', () => {
  const x = f64([1, 2]);
  const h = I.exp(x);
  I.sum(h).backward();
  assert.is(h.grad, null);
  assert.ok(x.grad);
});

t('leaf gradients are contiguous even when the rule returns a broadcast view', () => {
  const b = f64([1, 2, 3]);
  const x = f64([[1, 2, 3], [4, 5, 6]]);
  I.sum(I.add(x, b)).backward();
  assert.ok(x.grad!.isContiguous);
  close(b.grad!.toArray(), [2, 2, 2]);
});

t('composite graph with broadcasting in the middle matches finite differences', () => {
  const a = I.randn([3, 1, 4], { dtype: 'float64', requiresGrad: true, generator: new I.Generator(1) });
  const b = I.randn([2, 4], { dtype: 'float64', requiresGrad: true, generator: new I.Generator(2) });
  const w = I.randn([4, 3], { dtype: 'float64', requiresGrad: true, generator: new I.Generator(3) });
  gradcheck(([a, b, w]) => {
    const h = I.gelu(I.add(a, b)); // (3, 2, 4) broadcast
    const s = I.softmax(I.matmul(h, w), -1); // (3, 2, 3)
    const r = I.mul(s, I.sum(h, [2], true)); // reuse h
    return I.layerNorm(I.concat([r, s], 1));
  }, [a, b, w]);
});

t.run();
