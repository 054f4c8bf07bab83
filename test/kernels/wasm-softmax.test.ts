// The SIMD softmax kernels (kernels/wasm/softmax.ts) against the TypeScript kernels (float64 exps and
// sums): forward y and backward dx = y ⊙ (g − Σ g ⊙ y), on random shapes with ragged row lengths (the
// −∞ / 0 padding lanes must not leak), causally masked rows (−∞ entries), a fully masked row (NaN in
// both), large logits, several copy blocks and offset views; float64 goes to the TypeScript kernels.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { softmaxKernels } from '../../kernels/cpu/softmax.ts';
import { wasmSoftmaxKernels } from '../../kernels/wasm/softmax.ts';
import { rng } from './matmul-check.ts';
import { values, view } from './views.ts';

const t = suite('wasm simd softmax');
const ts = softmaxKernels(), simd = wasmSoftmaxKernels();

/** Forward and backward both ways on (rows, n) logits; `masked`: −∞ above the diagonal, as attention's causal mask. */
function agree(rows: number, n: number, spread: number, seed: number, masked = false): void {
  const random = rng(seed);
  const xs = Array.from({ length: rows * n }, (_, i) => (masked && i % n > i / n % n ? -Infinity : (random() * 2 - 1) * spread));
  const gs = Array.from({ length: rows * n }, () => random() * 2 - 1);
  const run = (k: typeof ts) => {
    const y = view(new Array(rows * n).fill(0), [rows, n], 2), dx = view(new Array(rows * n).fill(0), [rows, n], 1);
    k.softmax([view(xs, [rows, n], 3)], [y], {});
    k.softmaxBackward([view(gs, [rows, n], 1), y], [dx], {});
    return [y, dx];
  };
  const [got, want] = [run(simd), run(ts)];
  ['y', 'dx'].forEach((name, k) => {
    const [a, b] = [values(got[k]), values(want[k])];
    const y = values(want[0]);
    for (let i = 0; i < a.length; i++) {
      // exp's ≈2 ulps on arguments rounded to float32 (|x − max| up to 2·spread), and float32 sums over n;
      // dx = y·(g − Σg·y) cancels when g ≈ Σg·y, so its error scales with y·(|g| + |Σg·y|) ≤ 2y, not with dx.
      const scale = k === 0 ? Math.abs(b[i]) : 2 * Math.abs(y[i]);
      const ok = Math.abs(a[i] - b[i]) <= 4e-6 * (1 + spread) * (scale + 1e-6) + 1e-7 || (Number.isNaN(a[i]) && Number.isNaN(b[i]));
      assert.ok(ok, `rows=${rows} n=${n} spread=${spread} masked=${masked}: ${name}[${i}] = ${a[i]}, TS ${b[i]}`);
    }
    assert.is((got[k].storage.data as Float32Array)[got[k].offset + a.length], 7, `${name} wrote past its end`);
  });
}

t('ragged row lengths, causal masks, large logits', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 64, 127, 130]) for (const spread of [0.5, 30]) agree(n + 2, n, spread, n, spread > 1);
});

t('several copy blocks (16384 floats) and a fully masked row', () => {
  agree(200, 129, 4, 1);
  agree(5, 5000, 4, 2);
  const x = view([-Infinity, -Infinity, -Infinity, 1, 2, 3], [2, 3]);
  const [a, b] = [view([0, 0, 0, 0, 0, 0], [2, 3]), view([0, 0, 0, 0, 0, 0], [2, 3])];
  simd.softmax([x], [a], {});
  ts.softmax([x], [b], {});
  assert.ok([...values(a)].slice(0, 3).every(Number.isNaN) && [...values(b)].slice(0, 3).every(Number.isNaN), 'a fully masked row is NaN in both');
});

t('a masked case that once failed', () => agree(22, 7, 14.587293309200652, 567, true));

t('property: random shapes and spreads', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 70 }), fc.double({ min: 0.01, max: 20, noNaN: true }), fc.nat(1000), fc.boolean(),
    (rows, n, spread, seed, masked) => agree(rows, n, spread, seed, masked)), { numRuns: 80 });
});

t('float64 goes to the TypeScript kernels', () => {
  const x = view([0, Math.log(3)], [1, 2], 0, 'float64'), y = view([0, 0], [1, 2], 0, 'float64');
  simd.softmax([x], [y], {});
  const [a, b] = (y.storage.data as Float64Array).subarray(0, 2);
  assert.ok(Math.abs(a - 0.25) < 1e-15 && Math.abs(b - 0.75) < 1e-15, `${a}, ${b}`); // float64 accuracy, not float32's
});

t.run();
