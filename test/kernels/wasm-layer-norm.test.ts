// The SIMD layer norm kernels (kernels/wasm/layer-norm.ts) against the TypeScript kernels (float64
// sums): y, mean, rstd forward and dx, dweight, dbias backward, on random shapes with ragged widths
// (C not a multiple of 4, where the padding lanes must not leak into the sums), row counts that span
// several copy blocks, offset views, without weights, and a large mean (cancellation in the variance);
// float64 and strided views must reach the TypeScript kernels unchanged.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { layerNormKernels } from '../../kernels/cpu/layer-norm.ts';
import { wasmLayerNormKernels } from '../../kernels/wasm/layer-norm.ts';
import { rng } from './matmul-check.ts';
import { values, view } from './views.ts';

const t = suite('wasm simd layer norm');
const ts = layerNormKernels(), simd = wasmLayerNormKernels();

/** Runs forward and backward with both kernel sets on the same inputs and compares every output. */
function agree(rows: number, C: number, affine: boolean, seed: number, shift = 0, spread = 2): void {
  const random = rng(seed);
  const draw = (n: number, s = spread, m = 0) => Array.from({ length: n }, () => m + (random() * 2 - 1) * s);
  const [xs, dys, ws, bs] = [draw(rows * C, spread, shift), draw(rows * C, 1), draw(C, 1, 1), draw(C, 0.5)];
  const run = (k: typeof ts) => {
    const x = view(xs, [rows, C], 3), params = affine ? [view(ws, [C], 1), view(bs, [C], 2)] : [];
    const [y, mean, rstd] = [view(new Array(rows * C).fill(0), [rows, C], 1), view(new Array(rows).fill(0), [rows]), view(new Array(rows).fill(0), [rows], 2)];
    k.layerNorm([x, ...params], [y, mean, rstd], { eps: 1e-5 });
    const grads = [view(new Array(rows * C).fill(0), [rows, C], 2), ...params.map(() => view(new Array(C).fill(9), [C], 1))];
    k.layerNormBackward([view(dys, [rows, C], 1), x, mean, rstd, ...params.slice(0, 1)], grads, { eps: 1e-5 });
    return [y, mean, rstd, ...grads];
  };
  const [got, want] = [run(simd), run(ts)];
  const names = ['y', 'mean', 'rstd', 'dx', 'dweight', 'dbias'];
  got.forEach((g, k) => {
    const [a, b] = [values(g), values(want[k])];
    // float32 lane sums against float64 sums: relative error ≈ C·2⁻²⁴ at worst, far less in practice;
    // parameter gradients sum over every row, so their scale is the sum of the terms' sizes.
    const scale = k >= 4 ? rows : k === 1 ? Math.abs(shift) + spread : 1 + Math.abs(b.reduce((p, q) => Math.max(p, Math.abs(q)), 0));
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(a[i] - b[i]) <= 2e-5 * scale, `rows=${rows} C=${C} affine=${affine} shift=${shift}: ${names[k]}[${i}] = ${a[i]}, TS ${b[i]}`);
    }
    const guard = (g.storage.data as Float32Array)[g.offset + a.length];
    assert.is(guard, 7, `${names[k]}: wrote past its end`);
  });
}

t('ragged widths (C mod 4 = 1, 2, 3), one row, many rows', () => {
  for (const C of [1, 2, 3, 4, 5, 7, 16, 31, 128, 130]) for (const rows of [1, 3, 17]) agree(rows, C, true, C * 100 + rows);
});

t('no weights, several copy blocks (16384 floats), a large mean', () => {
  agree(300, 129, false, 1);
  agree(9, 4097, true, 2);
  agree(40, 512, true, 3, 100, 1); // mean 100, std ≈ 0.6: the variance is taken around the mean
});

t('property: random shapes, affine or not', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.nat(1000), (rows, C, affine, seed) => {
    agree(rows, C, affine, seed);
  }), { numRuns: 80 });
});

t('float64 and strided views go to the TypeScript kernels', () => {
  const x64 = view([1, 2, 3, 4, 5, 6], [2, 3], 0, 'float64');
  const [y, m, r] = [view([0, 0, 0, 0, 0, 0], [2, 3], 0, 'float64'), view([0, 0], [2], 0, 'float64'), view([0, 0], [2], 0, 'float64')];
  simd.layerNorm([x64], [y, m, r], { eps: 1e-5 });
  assert.equal([...(m.storage.data as Float64Array).subarray(0, 2)], [2, 5]);
  const strided = { ...view([1, 2, 3, 4, 5, 6], [3, 2]), strides: [1, 3] }; // a transposed (2, 3) block
  const outs = () => [view([0, 0, 0, 0, 0, 0], [3, 2]), view([0, 0, 0], [3]), view([0, 0, 0], [3])];
  const [a, b] = [outs(), outs()];
  simd.layerNorm([strided], a, { eps: 1e-5 });
  ts.layerNorm([strided], b, { eps: 1e-5 });
  a.forEach((v, k) => assert.equal([...values(v)], [...values(b[k])]));
});

t.run();
