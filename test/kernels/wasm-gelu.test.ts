// The SIMD GELU kernels (kernels/wasm/gelu.ts, with exp and erfc from simd-math.ts) against the
// TypeScript kernels, which evaluate the exact formula in float64: over a dense grid of inputs, the
// tails, special values, ragged lengths, chunk edges and offset views; non-dense views must reach
// the TypeScript kernels unchanged.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { elementwiseKernels } from '../../kernels/cpu/elementwise.ts';
import { wasmGeluKernels } from '../../kernels/wasm/gelu.ts';

const t = suite('wasm simd gelu');
const ts = elementwiseKernels();
const simd = wasmGeluKernels(ts);

/** A float32 view of `values` placed at `offset` in a larger storage (shape [n], or `shape`). */
function view(values: ArrayLike<number>, offset = 0, shape: number[] = [values.length], strides?: number[]): I.View {
  const data = new Float32Array(offset + values.length + 2).fill(7);
  data.set(values, offset);
  return { storage: { backend: I.cpuBackend, dtype: 'float32', size: data.length, data, refs: 1 }, dtype: 'float32', shape, strides: strides ?? [...shape.keys()].map((d) => shape.slice(d + 1).reduce((p, q) => p * q, 1)), offset };
}
const out = (v: I.View): Float32Array => (v.storage.data as Float32Array).subarray(v.offset, v.offset + v.shape.reduce((p, q) => p * q, 1));

/** Runs kernel `name` both ways on x (and g for the gradient) and checks agreement:
 *  |simd − ts| ≤ rel·|ts| + abs·scale, scale = |x| for gelu, |g|·(1 + |x|) for its gradient. */
function agree(name: 'gelu' | 'geluGrad', xs: number[], offset = 0, seed = 1): void {
  const gs = xs.map((_, i) => Math.sin(i * 12.9898 + seed) * 3);
  const args = (): [I.View[], I.View] => {
    const x = view(xs, offset), o = view(new Array(xs.length).fill(0), offset + 1);
    return [name === 'gelu' ? [x] : [view(gs, 2), x, x], o];
  };
  const [ai, ao] = args(), [bi, bo] = args();
  simd[name](ai, [ao], {});
  ts[name](bi, [bo], {});
  const [got, want] = [out(ao), out(bo)];
  for (let i = 0; i < xs.length; i++) {
    const scale = name === 'gelu' ? Math.abs(xs[i]) : Math.abs(gs[i]) * (1 + Math.abs(xs[i]));
    const ok = Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || Math.abs(got[i] - want[i]) <= 2e-6 * Math.abs(want[i]) + 3e-7 * scale;
    if (!ok) assert.unreachable(`${name}(${xs[i]}) = ${got[i]}, TS ${want[i]} (diff ${got[i] - want[i]})`);
  }
  // The guard after the output is untouched.
  assert.is((ao.storage.data as Float32Array)[ao.offset + xs.length], 7, `${name} wrote past its output`);
}

const grid = Array.from({ length: 4001 }, (_, i) => Math.fround(-10 + i * 0.005));

t('gelu and its gradient over [−10, 10] in steps of 0.005', () => {
  agree('gelu', grid);
  agree('geluGrad', grid);
});

t('tails and special values', () => {
  const special = [0, -0, 1e-30, -1e-30, 1e-8, -0.7518, 12, -12, 20, -20, 100, -100, 3e38, -3e38, Infinity, -Infinity, NaN];
  agree('gelu', special);
  agree('geluGrad', special);
});

t('property: ragged lengths, chunk edges (4096) and offsets', () => {
  fc.assert(fc.property(
    fc.oneof(fc.integer({ min: 1, max: 37 }), fc.constantFrom(4095, 4096, 4097, 9000)), fc.nat(6), fc.nat(1000),
    (n, offset, seed) => {
      const xs = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 78.233 + seed) * 8));
      agree('gelu', xs, offset, seed);
      agree('geluGrad', xs, offset, seed);
    }), { numRuns: 40, seed: 5 });
});

t('non-dense views (transposed, broadcast) go to the TypeScript kernel', () => {
  const xs = [0.5, -1, 2, -3, 4, -5];
  const x = view(xs, 0, [2, 3], [1, 2]); // a transposed view
  const [a, b] = [view(new Array(6).fill(0)), view(new Array(6).fill(0))];
  simd.gelu([x], [{ ...a, shape: [2, 3], strides: [3, 1] }], {});
  ts.gelu([x], [{ ...b, shape: [2, 3], strides: [3, 1] }], {});
  assert.equal(Array.from(out(a)), Array.from(out(b)));
});

t('the i3 gelu op (default kernels) matches float64 within float32 accuracy', () => {
  const x64 = I.tensor(grid.slice(0, 999), { dtype: 'float64' });
  const [y32, y64] = [I.gelu(I.tensor(grid.slice(0, 999), { dtype: 'float32' })).data(), I.gelu(x64).data()];
  for (let i = 0; i < y32.length; i++) assert.ok(Math.abs(y32[i] - y64[i]) <= 1e-6 * (1 + Math.abs(y64[i])), `gelu(${grid[i]})`);
});

t.run();
