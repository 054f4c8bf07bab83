// The SIMD add, sub, mul kernels (kernels/wasm/binary.ts) against the TypeScript kernels: float32
// results must be identical (one IEEE operation per element either way), for same-shape operands,
// row broadcasts (a bias, a (1, 1, C) vector) whose row length does not divide the chunk, scalars,
// ragged sizes across chunk edges and offset views; other layouts (transposed, a column broadcast,
// float64) must reach the TypeScript kernel and give its results.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { elementwiseKernels } from '../../kernels/cpu/elementwise.ts';
import { wasmBinaryKernels } from '../../kernels/wasm/binary.ts';
import { rng } from './matmul-check.ts';

const t = suite('wasm simd add/sub/mul');
const ts = elementwiseKernels();
/** The SIMD kernels over a TS table that counts its calls, to check which layouts the SIMD path takes. */
let fallbacks = 0;
const simd = wasmBinaryKernels({ ...ts, ...Object.fromEntries(['add', 'sub', 'mul'].map((k) => [k, ((...a: Parameters<I.Kernel>) => { fallbacks++; ts[k](...a); }) as I.Kernel])) });

function view(shape: number[], seed: number, offset = 0, strides?: number[], dtype: 'float32' | 'float64' = 'float32'): I.View {
  const size = shape.reduce((p, q) => p * q, 1), random = rng(seed);
  const data = dtype === 'float32' ? new Float32Array(offset + size + 1) : new Float64Array(offset + size + 1);
  for (let i = 0; i < data.length; i++) data[i] = random() * 4 - 2;
  const dense = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { storage: { backend: I.cpuBackend, dtype, size: data.length, data, refs: 1 }, dtype, shape, strides: strides ?? dense, offset };
}

/** Runs op both ways into fresh outputs of `shape` and requires identical values and an untouched guard. */
function agree(op: 'add' | 'sub' | 'mul', a: I.View, b: I.View, shape: number[], dtype: 'float32' | 'float64' = 'float32', simdPath?: boolean): void {
  const before = fallbacks;
  const size = shape.reduce((p, q) => p * q, 1);
  const [x, y] = [view(shape, 99, 2, undefined, dtype), view(shape, 99, 2, undefined, dtype)];
  simd[op]([a, b], [x], {});
  ts[op]([a, b], [y], {});
  const [got, want] = [x.storage.data, y.storage.data] as Float32Array[];
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.unreachable(`${op} [${a.shape}] ∘ [${b.shape}] → [${shape}]: element ${i - 2} is ${got[i]}, TS ${want[i]}`);
  }
  assert.is(got.length, size + 3);
  if (simdPath !== undefined) assert.is(fallbacks === before, simdPath, `${op} [${a.shape}] ∘ [${b.shape}]: SIMD path expected ${simdPath}`);
}

t('same shapes, rows, scalars, across chunk edges (4096)', () => {
  for (const op of ['add', 'sub', 'mul'] as const) {
    for (const n of [1, 3, 4095, 4096, 4097, 9001]) agree(op, view([n], 1, 1), view([n], 2, 3), [n], 'float32', true);
    agree(op, view([512, 384], 3), view([384], 4, 1), [512, 384], 'float32', true); // a bias: 4096 is not a multiple of 384
    agree(op, view([384], 4, 1), view([512, 384], 3), [512, 384], 'float32', true); // the row first
    agree(op, view([4, 128, 127], 5, 2), view([1, 1, 127], 6), [4, 128, 127], 'float32', true);
    agree(op, view([3, 5000], 7), view([5000], 8), [3, 5000], 'float32', false); // a row longer than a chunk: TS
    agree(op, view([2, 7, 9], 9), view([], 10, 4), [2, 7, 9], 'float32', true); // a scalar
    agree(op, view([1, 1], 11), view([6, 6], 12, 1), [6, 6], 'float32', true);
  }
});

t('layouts the SIMD kernel does not take give the TypeScript results', () => {
  agree('add', view([6, 4], 1, 0, [1, 6]), view([6, 4], 2), [6, 4], 'float32', false); // transposed
  agree('mul', view([6, 4], 3), view([6, 1], 4), [6, 4], 'float32', false); // a column broadcast
  agree('sub', view([6, 1], 5), view([1, 4], 6), [6, 4], 'float32', false); // an outer broadcast
  agree('add', view([7, 5], 7, 0, undefined, 'float64'), view([5], 8, 0, undefined, 'float64'), [7, 5], 'float64', false);
});

t('property: random shapes with a row or scalar broadcast', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4 }), fc.constantFrom('add' as const, 'sub' as const, 'mul' as const), fc.nat(100), (shape, keep, op, seed) => {
    const row = shape.slice(shape.length - Math.min(keep, shape.length));
    agree(op, view(shape, seed, seed % 3), view(row, seed + 1, seed % 5), shape);
    agree(op, view(row, seed + 2), view(shape, seed + 3, 1), shape);
  }), { numRuns: 150 });
});

t.run();
