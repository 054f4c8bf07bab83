// The WebAssembly SIMD float32 matmul (kernels/wasm/matmul.ts) against a float64 triple loop and
// against the TypeScript kernel: sizes around its 4×8 tile and its K (256), M (128) and N (4096)
// blocks, the one-to-three-row matvec path in both B directions, every operand layout, offsets,
// accumulate, zero sizes, and a fast-check property over random shapes and layouts, with the fused
// multiply-add (the default where the engine has relaxed SIMD) and without it (I3_FMA=off).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { matmulInto } from '../../kernels/cpu/matmul.ts';
import { matmulF32 } from '../../kernels/wasm/matmul.ts';
import { check as checkWith, rng, type CheckOptions, type Layout, type MatmulFn } from './matmul-check.ts';

const t = suite('wasm simd matmul (float32)');
const check = (M: number, N: number, K: number, opts: CheckOptions = {}): void =>
  checkWith(matmulF32 as MatmulFn, 'float32', M, N, K, opts);

t('sizes around the 4×8 tile (incl. ragged M, N, K)', () => {
  for (const M of [4, 5, 7, 8, 9, 13]) for (const N of [1, 3, 4, 7, 8, 9, 15, 16, 17]) for (const K of [1, 2, 3, 4, 5, 17]) check(M, N, K);
});

t('one to three rows (matvec path), B in both directions, ragged N and K', () => {
  for (const M of [1, 2, 3]) for (const bLayout of ['rowMajor', 'transposed'] as Layout[]) {
    for (const [N, K] of [[1, 1], [3, 5], [4, 4], [5, 3], [17, 9], [21, 33], [130, 257]]) {
      check(M, N, K, { bLayout, cOffset: 3 });
      check(M, N, K, { bLayout, accumulate: true, aLayout: 'transposed', aOffset: 2, bOffset: 1 });
    }
  }
});

t('sizes crossing the K (256), M (128) and N (4096) blocks', () => {
  for (const [M, N, K] of [[130, 33, 257], [129, 9, 513], [260, 20, 65], [6, 4096 + 9, 7], [5, 8200, 260]]) check(M, N, K);
});

t('transposed A and/or B, with offsets', () => {
  const layouts: Layout[] = ['rowMajor', 'transposed'];
  for (const aLayout of layouts) for (const bLayout of layouts) {
    for (const [M, N, K] of [[4, 8, 1], [5, 9, 6], [17, 7, 65], [65, 130, 257]]) {
      check(M, N, K, { aLayout, bLayout, aOffset: 7, bOffset: 3, cOffset: 11 });
    }
  }
});

t('slices (gaps between rows or columns), lines short and long (bulk-copied and packed in SIMD beyond 64)', () => {
  const layouts: Layout[] = ['rowSlice', 'columnSlice', 'rowMajor'];
  for (const aLayout of layouts) for (const bLayout of layouts) {
    for (const [M, N, K] of [[9, 13, 70], [70, 9, 13], [66, 67, 65], [130, 20, 300]]) check(M, N, K, { aLayout, bLayout, aOffset: 3, bOffset: 2 });
  }
});

t('broadcast (stride-0) and reversed (negative-stride) operands', () => {
  const pairs: [Layout, Layout][] = [['broadcastRows', 'rowMajor'], ['rowMajor', 'broadcastRows'], ['broadcastCols', 'broadcastCols'],
    ['transposed', 'broadcastCols'], ['reversedRows', 'reversedRows'], ['transposed', 'reversedRows']];
  for (const [aLayout, bLayout] of pairs) for (const M of [1, 3, 17]) check(M, 9, 33, { aLayout, bLayout, aOffset: 2, bOffset: 5 });
});

t('accumulate adds into C; without it C is overwritten; zero sizes', () => {
  for (const [M, N, K] of [[1, 1, 1], [5, 7, 3], [64, 65, 300]]) {
    check(M, N, K, { accumulate: true, cOffset: 4 });
    check(M, N, K, { accumulate: false, cOffset: 4 });
  }
  for (const [M, N, K] of [[0, 5, 3], [4, 0, 3], [0, 0, 0], [4, 5, 0], [1, 1, 0]]) {
    check(M, N, K, { accumulate: false, cOffset: 2 });
    check(M, N, K, { accumulate: true, cOffset: 2 });
  }
});

t('agrees with the TypeScript kernel at an i3 shape (64×512 · (2048×512)ᵀ)', () => {
  const random = rng(7);
  const [M, K, N] = [64, 512, 2048];
  const a = Float32Array.from({ length: M * K }, () => random() * 2 - 1);
  const w = Float32Array.from({ length: N * K }, () => random() * 2 - 1); // a weight stored [N, K]
  const ours = new Float32Array(M * N), reference = new Float32Array(M * N);
  matmulF32(ours, 0, a, 0, K, 1, w, 0, 1, K, M, N, K, false);
  matmulInto(reference, 0, a, 0, K, 1, w, 0, 1, K, M, N, K, false);
  let worst = 0;
  for (let i = 0; i < M * N; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  // Entries are sums of 512 products of magnitude ≤ 1 (typically ≈13): float32 rounding stays far below 1e-3.
  assert.ok(worst < 1e-3, `max |wasm − ts| = ${worst}`);
});

t('property: random shapes, strides and transpositions match the naive loop', () => {
  const layout = fc.constantFrom<Layout>('rowMajor', 'transposed', 'broadcastRows', 'broadcastCols', 'reversedRows', 'rowSlice', 'columnSlice');
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }),
      layout, layout, fc.nat(9), fc.nat(9), fc.nat(9), fc.boolean(), fc.nat(1e6), fc.constantFrom('auto', 'off'),
      (M, N, K, aLayout, bLayout, aOffset, bOffset, cOffset, accumulate, seed, fma) => {
        process.env.I3_FMA = fma; // both multiply-add flavours of the gemm and matvec modules
        try {
          check(M, N, K, { aLayout, bLayout, aOffset, bOffset, cOffset, accumulate, seed });
        } finally {
          delete process.env.I3_FMA;
        }
      }),
    { numRuns: 200, seed: 20261128 },
  );
});

t.run();
