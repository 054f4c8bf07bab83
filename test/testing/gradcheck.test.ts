// The checker itself must be able to fail: a wrong backward rule is caught and shrunk.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { gradcheck } from '../../src/testing/gradcheck.ts';
import { propertyGradcheck } from '../../src/testing/property.ts';

const t = suite('gradcheck');

t('gradcheck accepts a correct gradient and reports its error', () => {
  const x = I.randn([3, 2], { dtype: 'float64', requiresGrad: true, generator: new I.Generator(4) });
  const r = gradcheck(([x]) => I.tanh(I.mul(x, x)), [x]);
  assert.is(r.checked, 6);
  assert.ok(r.maxAbsError < 1e-7, String(r.maxAbsError));
});

t('gradcheck rejects a wrong gradient, naming the input, element and both values', () => {
  const x = I.tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
  // x · detach(x) has value x² but autograd sees only one factor: gradient x instead of 2x
  let message = '';
  try {
    gradcheck(([x]) => I.mul(x, I.detach(x)), [x]);
  } catch (err) {
    message = (err as Error).message;
  }
  const m = /gradient of input 0 \[2\] at flat index 0 is (\S+) by autograd but (\S+) by finite differences/.exec(message);
  assert.ok(m, message);
  // the output is weighted by a random w, so the values are w·x and 2w·x
  assert.ok(Math.abs(Number(m[2]) / Number(m[1]) - 2) < 1e-6, message);
});

t('gradcheck refuses float32 inputs (finite differences need float64)', () => {
  assert.throws(() => gradcheck(([x]) => x, [I.ones([2], { requiresGrad: true })]), /must be a contiguous float64 CPU leaf/);
});

t('gradcheck leaves existing .grad untouched', () => {
  const x = I.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  I.sum(I.mul(x, 3)).backward();
  gradcheck(([x]) => I.exp(x), [x]);
  assert.equal(x.grad!.toArray(), [3, 3]);
});

t('propertyGradcheck finds a broken op and shrinks it to the smallest case', () => {
  const broken = I.defineOp(
    { name: 'test.brokenSquare', doc: 'x² with the factor 2 missing from its gradient', kernels: ['mul'], differentiable: true },
    (x: I.Tensor) => ({ out: I.mul(x, x), backward: (g) => [I.mul(g, x)] }),
  );
  try {
    propertyGradcheck((d) => ({ inputs: [d.tensor(d.shape(0, 3), 0.5, 3)], run: ([x]) => broken(x) }), { numRuns: 20 });
    assert.unreachable('the broken gradient was not caught');
  } catch (err) {
    const message = (err as Error).message;
    assert.match(message, /seed: 42/);
    assert.match(message, /Counterexample: \[\[0(,0){47}\]\]/); // the all-zero tape: every smallest choice (a 0-d tensor)
    assert.match(((err as Error).cause as Error).message, /by autograd but .* by finite differences/);
  } finally {
    I.OP_TABLE.delete('test.brokenSquare');
  }
});

t.run();
