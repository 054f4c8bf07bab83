// The SIMD leading-axis sum (kernels/wasm/column-sum.ts) against the TypeScript 'sum' kernel (float64
// accumulation): bias-gradient shapes, ragged row lengths (padding lanes), row counts spanning several
// 64-row blocks, offset views, and which reductions take the SIMD path at all.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { reduceKernels } from '../../kernels/cpu/reduce.ts';
import { wasmColumnSumKernels } from '../../kernels/wasm/column-sum.ts';
import { rng } from './matmul-check.ts';

const t = suite('wasm simd column sum');
const ts = reduceKernels();
let fallbacks = 0;
const simd = wasmColumnSumKernels({ ...ts, sum: (...a) => { fallbacks++; ts.sum(...a); } });

function view(shape: number[], seed: number, offset = 0, strides?: number[], values?: number[]): I.View {
  const size = shape.reduce((p, q) => p * q, 1), random = rng(seed);
  const data = new Float32Array(offset + size + 1).fill(7);
  for (let i = 0; i < size; i++) data[offset + i] = values ? values[i] : random() * 4 - 2;
  const dense = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { storage: { backend: I.cpuBackend, dtype: 'float32', size: data.length, data, refs: 1 }, dtype: 'float32', shape, strides: strides ?? dense, offset };
}

/** Sums x into the keepdim shape `kept` both ways; `simdPath`: whether the SIMD kernel must take it. */
function agree(x: I.View, kept: number[], simdPath: boolean): void {
  const before = fallbacks;
  const size = kept.reduce((p, q) => p * q, 1);
  const [a, b] = [view(kept, 0, 1, undefined, new Array(size).fill(0)), view(kept, 0, 1, undefined, new Array(size).fill(0))];
  simd.sum([x], [a], {});
  ts.sum([x], [b], {});
  const rows = x.shape.reduce((p, q) => p * q, 1) / size;
  const [got, want] = [a.storage.data as Float32Array, b.storage.data as Float32Array];
  for (let j = 1; j <= size; j++) {
    // 64-term float32 block sums, added in float64: ≈ 64·2⁻²⁴ of the terms' magnitude (≤ 2 each) at worst
    assert.ok(Math.abs(got[j] - want[j]) <= 4e-6 * 2 * Math.min(rows, 64) * Math.sqrt(rows / 64 + 1), `[${x.shape}] → [${kept}]: [${j - 1}] ${got[j]} vs ${want[j]}`);
  }
  assert.is(got[size + 1], 7, 'wrote past the output');
  assert.is(fallbacks === before, simdPath, `[${x.shape}] → [${kept}]: SIMD path expected ${simdPath}`);
}

t('bias gradients and time-mix vectors', () => {
  agree(view([512, 384], 1), [1, 384], true);
  agree(view([4, 128, 127], 2, 3), [1, 1, 127], true); // ragged row, two leading axes
  agree(view([3, 1000, 8], 3), [1, 1, 8], true);
  agree(view([2, 16384], 4), [1, 16384], true);
});

t('other reductions go to the TypeScript kernel', () => {
  agree(view([8, 16], 1), [8, 1], false); // trailing axis
  agree(view([6, 5, 16], 2), [1, 5, 1], false); // a middle axis kept, the last reduced
  agree(view([100, 4], 3), [1, 4], false); // rows too short
  agree(view([1, 64], 4), [1, 64], false); // one row
  agree(view([16, 8], 5, 0, [1, 16]), [1, 8], false); // transposed
  agree(view([2, 16385], 6), [1, 16385], false); // longer than a block
});

t('property: random leading-axis sums', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 8, max: 70 }), fc.nat(100), (R, L, seed) => {
    agree(view([R, L], seed, seed % 3), [1, L], true);
  }), { numRuns: 60 });
});

t.run();
