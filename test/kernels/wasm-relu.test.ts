// The SIMD relu kernels (kernels/wasm/relu.ts) against the TypeScript kernels: bit-identical results,
// −0, NaN and ±∞ included, across chunk edges and offset views; strided views go to TS.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { elementwiseKernels } from '../../kernels/cpu/elementwise.ts';
import { wasmReluKernels } from '../../kernels/wasm/relu.ts';

const t = suite('wasm simd relu');
const ts = elementwiseKernels(), simd = wasmReluKernels(ts);

function view(values: ArrayLike<number>, offset = 0, strides?: number[], shape = [values.length]): I.View {
  const data = new Float32Array(offset + values.length + 1).fill(7);
  data.set(values, offset);
  return { storage: { backend: I.cpuBackend, dtype: 'float32', size: data.length, data, refs: 1 }, dtype: 'float32', shape, strides: strides ?? [1], offset };
}

function agree(xs: number[], gs: number[], offset = 0): void {
  for (const name of ['relu', 'reluGrad'] as const) {
    const run = (k: typeof ts) => {
      const out = view(new Array(xs.length).fill(0), offset + 1);
      k[name](name === 'relu' ? [view(xs, offset)] : [view(gs, 2), view(xs, offset), view(xs)], [out], {});
      return out.storage.data as Float32Array;
    };
    const [got, want] = [run(simd), run(ts)];
    for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) assert.unreachable(`${name}: element ${i} is ${got[i]}, TS ${want[i]} (x ${xs[i - offset - 1]})`);
  }
}

t('special values: −0, NaN, ±∞, signed gradients', () => {
  const xs = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3];
  agree(xs, [1, -1, Infinity, -2, 3, NaN, -Infinity, 5, -5, -0]);
});

t('property: random values across chunk edges (4096)', () => {
  fc.assert(fc.property(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(4095, 4097, 9000)), fc.nat(3), fc.nat(1000), (n, offset, seed) => {
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 3);
    agree(x, x.map((v) => v * 7 - 1), offset);
  }), { numRuns: 40 });
});

t('a strided view goes to the TypeScript kernel', () => {
  const x = view([1, -2, 3, -4, 5, -6], 0, [1, 3], [3, 2]); // a transposed (2, 3)
  const [a, b] = [view([0, 0, 0, 0, 0, 0], 0, [2, 1], [3, 2]), view([0, 0, 0, 0, 0, 0], 0, [2, 1], [3, 2])];
  simd.relu([x], [a], {});
  ts.relu([x], [b], {});
  assert.equal([...(a.storage.data as Float32Array)], [...(b.storage.data as Float32Array)]);
});

t.run();
