// The packed matmul kernel against a naive float64 triple loop: many sizes around the tile and block
// edges, both dtypes, transposed and broadcast (stride-0) operands, offsets, accumulate on/off,
// plus a fast-check property over random shapes and layouts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { matmulInto } from '../../kernels/cpu/matmul.ts';
import { check as checkWith, type CheckOptions, type DType, type Layout } from './matmul-check.ts';

const check = (dtype: DType, M: number, N: number, K: number, opts: CheckOptions = {}): void => checkWith(matmulInto, dtype, M, N, K, opts);

const t = suite('matmul kernel');

const dtypes: DType[] = ['float32', 'float64'];

t('square and rectangular sizes around the tile and block edges', () => {
  const sizes = [1, 2, 3, 4, 5, 7, 17, 64, 65];
  for (const dtype of dtypes) {
    for (const M of sizes) for (const N of sizes) for (const K of [1, 3, 5, 7, 17, 64, 65]) check(dtype, M, N, K);
  }
});

t('sizes crossing the K (256) and M (96) blocks', () => {
  for (const dtype of dtypes) {
    for (const [M, N, K] of [[130, 33, 257], [97, 9, 300], [257, 130, 65], [5, 257, 513], [130, 130, 130]]) check(dtype, M, N, K);
  }
});

t('sizes crossing the N (2048) block', () => {
  for (const dtype of dtypes) check(dtype, 7, 2049 + 2048 + 5, 9);
  check('float32', 2, 4100, 260);
});

t('transposed A and/or B, with offsets', () => {
  const layouts: Layout[] = ['rowMajor', 'transposed'];
  for (const dtype of dtypes) {
    for (const aLayout of layouts) for (const bLayout of layouts) {
      for (const [M, N, K] of [[1, 1, 1], [3, 4, 5], [17, 7, 65], [65, 130, 257]]) {
        check(dtype, M, N, K, { aLayout, bLayout, aOffset: 7, bOffset: 3, cOffset: 11 });
      }
    }
  }
});

t('broadcast (stride-0) rows and columns', () => {
  for (const dtype of dtypes) {
    for (const [aLayout, bLayout] of [['broadcastRows', 'rowMajor'], ['rowMajor', 'broadcastRows'], ['broadcastCols', 'broadcastCols'], ['transposed', 'broadcastCols']] as [Layout, Layout][]) {
      check(dtype, 17, 9, 33, { aLayout, bLayout, aOffset: 2, bOffset: 5 });
    }
  }
});

t('negative strides (reversed rows)', () => {
  for (const dtype of dtypes) {
    for (const [M, N, K] of [[1, 9, 7], [2, 5, 9], [17, 9, 33]]) {
      check(dtype, M, N, K, { aLayout: 'reversedRows', bLayout: 'reversedRows', aOffset: 1, bOffset: 2 });
      check(dtype, M, N, K, { aLayout: 'transposed', bLayout: 'reversedRows' });
    }
  }
});

t('one or two rows (the unpacked path), both B layouts, with accumulate', () => {
  for (const dtype of dtypes) {
    for (const M of [1, 2]) for (const bLayout of ['rowMajor', 'transposed'] as Layout[]) {
      for (const [N, K] of [[1, 1], [3, 5], [4, 4], [9, 7], [130, 257]]) {
        check(dtype, M, N, K, { bLayout, accumulate: false, cOffset: 3 });
        check(dtype, M, N, K, { bLayout, accumulate: true, aLayout: 'transposed' });
      }
    }
  }
});

t('accumulate adds into C; without it C is overwritten', () => {
  for (const dtype of dtypes) {
    for (const [M, N, K] of [[1, 1, 1], [5, 7, 3], [64, 65, 300]]) {
      check(dtype, M, N, K, { accumulate: true, cOffset: 4 });
      check(dtype, M, N, K, { accumulate: false, cOffset: 4 });
    }
  }
});

t('zero-size dimensions', () => {
  for (const dtype of dtypes) {
    for (const [M, N, K] of [[0, 5, 3], [4, 0, 3], [0, 0, 0], [4, 5, 0], [1, 1, 0]]) {
      check(dtype, M, N, K, { accumulate: false, cOffset: 2 });
      check(dtype, M, N, K, { accumulate: true, cOffset: 2 });
    }
  }
  const c = new Float32Array([9, 9, 9, 9]);
  matmulInto(c, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, 2, 2, 0, false);
  assert.equal(Array.from(c), [0, 0, 0, 0], 'K = 0 without accumulate gives zeros');
});

t('float64 results are float64-accurate (not rounded through float32)', () => {
  const a = new Float64Array([1 + 2 ** -40, 1]), b = new Float64Array([1, 2 ** -45]), c = new Float64Array(1);
  matmulInto(c, 0, a, 0, 2, 1, b, 0, 1, 1, 1, 1, 2, false);
  assert.is(c[0], 1 + 2 ** -40 + 2 ** -45);
});

t('property: random shapes, strides and transpositions match the naive loop', () => {
  const layout = fc.constantFrom<Layout>('rowMajor', 'transposed', 'broadcastRows', 'broadcastCols', 'reversedRows');
  fc.assert(
    fc.property(
      fc.constantFrom<DType>('float32', 'float64'),
      fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }),
      layout, layout, fc.nat(9), fc.nat(9), fc.nat(9), fc.boolean(), fc.nat(1e6),
      (dtype, M, N, K, aLayout, bLayout, aOffset, bOffset, cOffset, accumulate, seed) => {
        check(dtype, M, N, K, { aLayout, bLayout, aOffset, bOffset, cOffset, accumulate, seed });
      }),
    { numRuns: 150, seed: 20240611 },
  );
});

t.run();
