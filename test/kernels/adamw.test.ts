// The fused AdamW kernels against the composed-op update they replace: AdamW.step() runs the fused
// kernel for contiguous gradients and the composed ops (the reference, and the GPU's path) for a
// non-contiguous one, so the same parameter updated both ways must agree — to the last bit in float64
// (same operations, same order), to float32 rounding for the SIMD kernel. Plus the SIMD kernel
// against the TypeScript loop on ragged sizes, chunk edges and offset views, and a readable error
// for non-contiguous operands.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { AdamW } from '../../src/optim/index.ts';
import { adamwKernels } from '../../kernels/cpu/adamw.ts';
import { wasmAdamwKernels } from '../../kernels/wasm/adamw.ts';
import { rng } from './matmul-check.ts';

const t = suite('fused AdamW kernels');

/** Runs `steps` AdamW steps on two copies of one parameter: fused (contiguous grad) and composed
 *  (the same gradient values as a transposed view). Returns both parameters' values after. */
function fusedAndComposed(dtype: 'float32' | 'float64', rows: number, cols: number, decay: 'all' | 'matrices', seed: number): [I.TypedArray, I.TypedArray] {
  const random = rng(seed);
  const init = Array.from({ length: rows * cols }, () => random() * 2 - 1);
  const fused = I.tensor(init, { dtype, shape: [rows, cols], requiresGrad: true });
  const composed = I.tensor(init, { dtype, shape: [rows, cols], requiresGrad: true });
  const options = { lr: 0.05, betas: [0.8, 0.95] as [number, number], eps: 1e-6, weightDecay: 0.1, decay };
  const [a, b] = [new AdamW([['w', fused]], options), new AdamW([['w', composed]], options)];
  for (let step = 0; step < 4; step++) {
    const g = Array.from({ length: rows * cols }, () => (random() * 2 - 1) * 10 ** (step - 2));
    fused.grad?.dispose(); composed.grad?.dispose();
    fused.grad = I.keep(I.tensor(g, { dtype, shape: [rows, cols] }));
    // The same values, stored column-major and viewed back as (rows, cols): not contiguous.
    const gT = Array.from({ length: rows * cols }, (_, k) => g[(k % rows) * cols + Math.floor(k / rows)]);
    composed.grad = I.keep(I.transpose(I.tensor(gT, { dtype, shape: [cols, rows] })));
    assert.ok(fused.grad.isContiguous && !composed.grad.isContiguous);
    a.step(); b.step();
  }
  return [fused.data(), composed.data()];
}

t('float64: the fused kernel equals the composed ops bit for bit', () => {
  for (const [rows, cols] of [[3, 5], [2, 7], [17, 33]]) {
    for (const decay of ['all', 'matrices'] as const) {
      const [fused, composed] = fusedAndComposed('float64', rows, cols, decay, rows * cols);
      for (let i = 0; i < fused.length; i++) assert.is(fused[i], composed[i], `[${rows}×${cols}] ${decay} element ${i}`);
    }
  }
});

t('float32 (SIMD by default): the fused kernel agrees with the composed ops to float32 rounding', () => {
  for (const [rows, cols] of [[3, 5], [2, 2], [65, 129]]) {
    const [fused, composed] = fusedAndComposed('float32', rows, cols, 'all', 7 + rows);
    for (let i = 0; i < fused.length; i++) {
      assert.ok(Math.abs(fused[i] - composed[i]) <= 1e-6 * (1 + Math.abs(composed[i])), `[${rows}×${cols}] element ${i}: ${fused[i]} vs ${composed[i]}`);
    }
  }
});

/** A float32 view of n elements at `offset` inside a larger storage, filled from `random`. */
function view(n: number, offset: number, random: () => number, positive = false): I.View {
  const data = Float32Array.from({ length: offset + n + 3 }, () => (positive ? random() : random() * 2 - 1));
  const storage = { backend: I.cpuBackend, dtype: 'float32' as const, size: data.length, data, refs: 1 };
  return { storage, dtype: 'float32', shape: [n], strides: [1], offset };
}

t('property: the SIMD kernel matches the TypeScript loop on ragged sizes, chunk edges and offsets', () => {
  const simd = wasmAdamwKernels().adamw, reference = adamwKernels().adamw;
  fc.assert(fc.property(
    fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(4095, 4096, 4097, 8200)), fc.nat(5), fc.nat(1e6),
    fc.double({ min: 0.5, max: 1, noNaN: true }),
    (n, offset, seed, decay) => {
      const views = (): I.View[] => { const r = rng(seed); return [view(n, offset, r), view(n, offset + 1, r), view(n, 0, r), view(n, 2, r, true)]; };
      const [ours, ref] = [views(), views()];
      const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay, stepSize: 1e-3 / 0.1, sqrtC2: Math.sqrt(0.01) };
      simd([ours[0]], ours.slice(1), attrs);
      reference([ref[0]], ref.slice(1), attrs);
      for (const k of [1, 2, 3]) {
        const [x, y] = [ours[k].storage.data as Float32Array, ref[k].storage.data as Float32Array];
        for (let i = 0; i < x.length; i++) {
          if (!(Math.abs(x[i] - y[i]) <= 2e-6 * (1 + Math.abs(y[i])))) {
            throw new Error(`n=${n} offset=${offset} output ${k} element ${i}: simd ${x[i]} vs ts ${y[i]}`);
          }
        }
      }
    }), { numRuns: 60, seed: 11 });
});

t('non-contiguous operands are a readable error', () => {
  const random = rng(1);
  const [g, p, m] = [view(6, 0, random), view(6, 0, random), view(6, 0, random)];
  const strided: I.View = { ...view(12, 0, random), shape: [6], strides: [2] };
  for (const kernel of [adamwKernels().adamw, wasmAdamwKernels().adamw]) {
    assert.throws(() => kernel([g], [p, m, strided], { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1, stepSize: 1, sqrtC2: 1 }), /adamw kernel: .*contiguous.*strides \[2\]/);
  }
});

t.run();
