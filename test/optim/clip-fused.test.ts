// Global-norm clipping through the fused CPU kernels (kernels/cpu/grad-norm.ts: sumOfSquares, scale)
// against the composed ops it replaces (sum(mul(g, g)), mul then assign), run on a backend view of
// the same tensors with those two kernels hidden; and the kernels' own contract.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { clipGradNorm } from '../../src/optim/index.ts';
import { gradNormKernels } from '../../kernels/cpu/grad-norm.ts';

const t = suite('clip, fused kernels');

/** Runs fn with the CPU backend's sumOfSquares and scale kernels removed (the composed path). */
function composed<T>(fn: () => T): T {
  const backend = I.cpuBackend as unknown as { kernel: typeof I.cpuBackend.kernel };
  const original = backend.kernel;
  backend.kernel = (name, dtype) => (name === 'sumOfSquares' || name === 'scale' ? undefined : original.call(I.cpuBackend, name, dtype));
  try {
    return fn();
  } finally {
    backend.kernel = original;
  }
}

/** Parameters with gradients drawn from `values`, one per shape. */
function withGrads(shapes: number[][], values: number[], dtype: 'float32' | 'float64'): I.Tensor[] {
  let k = 0;
  return shapes.map((shape) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const p = I.zeros(shape, { dtype, requiresGrad: true });
    p.grad = I.keep(I.tensor(Array.from({ length: n }, () => values[k++ % values.length]), { shape, dtype }));
    return p;
  });
}

t('property: fused clip equals the composed ops (norm and clipped gradients), float32 and float64', () => {
  const shape = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 3 });
  fc.assert(fc.property(
    fc.array(shape, { minLength: 1, maxLength: 5 }), fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 40 }),
    fc.constantFrom('float32' as const, 'float64' as const), fc.double({ min: 0.01, max: 100, noNaN: true }),
    (shapes, values, dtype, maxNorm) => {
      const a = withGrads(shapes, values, dtype), b = withGrads(shapes, values, dtype);
      const fused = clipGradNorm(a, maxNorm), reference = composed(() => clipGradNorm(b, maxNorm));
      // The fused sum is float64 throughout; the composed one sums float32 squares in float32 first.
      const tol = dtype === 'float64' ? 1e-13 : 1e-6;
      assert.ok(Math.abs(fused - reference) <= tol * (1 + reference), `norm ${fused} vs ${reference}`);
      a.forEach((p, i) => {
        const [got, want] = [p.grad!.data(), b[i].grad!.data()];
        for (let j = 0; j < got.length; j++) assert.ok(Math.abs(got[j] - want[j]) <= tol * (1 + Math.abs(want[j])), `grad ${i}[${j}]: ${got[j]} vs ${want[j]}`);
      });
      [...a, ...b].forEach((p) => { p.grad!.dispose(); p.dispose(); });
    },
  ), { numRuns: 60 });
});

t('sumOfSquares accumulates in float64: 10⁶ float32 ones and one 1e-4 are not rounded away', () => {
  const x = new Float32Array(1_000_001).fill(1);
  x[0] = 1e-4;
  const g = I.tensor(x);
  const out = I.zeros([], { dtype: 'float64' });
  gradNormKernels().sumOfSquares([g], [out], {});
  assert.is(out.item(), 1_000_000 + Math.fround(1e-4) ** 2);
});

t('the kernels refuse a non-contiguous tensor with the fix in the message', () => {
  const g = I.transpose(I.tensor([[1, 2, 3], [4, 5, 6]]));
  const out = I.zeros([], { dtype: 'float64' });
  assert.throws(() => gradNormKernels().sumOfSquares([g], [out], {}), /sumOfSquares kernel: the tensor must be contiguous .*strides \[1,3\].*contiguous\(\)/);
  assert.throws(() => gradNormKernels().scale([], [g], { factor: 2 }), /scale kernel: the tensor must be contiguous/);
});

t('a non-contiguous gradient takes the composed path and is clipped all the same', () => {
  const p = I.zeros([3, 2], { requiresGrad: true });
  p.grad = I.keep(I.transpose(I.tensor([[3, 0, 0], [0, 0, 4]])));
  assert.is(clipGradNorm([p], 1), 5);
  assert.equal([...p.grad.data()].map((v) => +v.toFixed(6)), [0.6, 0, 0, 0, 0, 0.8]);
});

t.run();
