// The matmul test harness shared by the TypeScript kernel's tests (matmul.test.ts) and the
// WebAssembly SIMD kernel's (wasm-matmul.test.ts): operands in every layout inside larger buffers,
// and a check of every element of C, and of the guard regions around it, against a float64 triple loop.
import * as assert from 'uvu/assert';
import type { FloatArray } from '../../kernels/cpu/matmul.ts';

/** A matmulInto-shaped kernel: C[M,N] (+)= A·B with strided A and B, dense C at an offset. */
export type MatmulFn = (c: FloatArray, cOffset: number, a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, bColStride: number, M: number, N: number, K: number, accumulate: boolean) => void;

export interface CheckOptions {
  aLayout?: Layout; bLayout?: Layout; aOffset?: number; bOffset?: number; cOffset?: number; accumulate?: boolean; seed?: number;
}

export type DType = 'float32' | 'float64';
export const make = (dtype: DType, n: number): FloatArray => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** An operand of logical shape rows×cols stored with the given layout inside a larger buffer. */
interface Operand { data: FloatArray; offset: number; rowStride: number; colStride: number }
export type Layout = 'rowMajor' | 'transposed' | 'broadcastRows' | 'broadcastCols' | 'reversedRows' | 'rowSlice' | 'columnSlice';
/** The unused values after each line of a slice layout. */
const SLICE_GAP = 5;

function operand(dtype: DType, rows: number, cols: number, layout: Layout, offset: number, random: () => number): Operand {
  // rowMajor: [rows, cols]; transposed: stored as [cols, rows] (a transpose view);
  // broadcastRows: one stored row repeated (row stride 0); broadcastCols: one stored column repeated;
  // reversedRows: row-major with the rows in reverse order (negative row stride, like a flipped view);
  // rowSlice: the first cols columns of a wider row-major matrix (gaps between rows, like q in a fused
  // qkv); columnSlice: the transpose of such a slice (gaps between columns).
  const stored = layout === 'broadcastRows' ? cols : layout === 'broadcastCols' ? rows
    : layout === 'rowSlice' ? rows * (cols + SLICE_GAP) : layout === 'columnSlice' ? cols * (rows + SLICE_GAP) : rows * cols;
  const data = make(dtype, offset + stored + 3);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  const strides: Record<Layout, [number, number]> = {
    rowMajor: [cols, 1], transposed: [1, rows], broadcastRows: [0, 1], broadcastCols: [1, 0], reversedRows: [-cols, 1],
    rowSlice: [cols + SLICE_GAP, 1], columnSlice: [1, rows + SLICE_GAP],
  };
  const [rowStride, colStride] = strides[layout];
  const first = layout === 'reversedRows' ? offset + (rows - 1) * cols : offset;
  return { data, offset: first, rowStride, colStride };
}

const at = (x: Operand, i: number, j: number): number => x.data[x.offset + i * x.rowStride + j * x.colStride];

/** Runs matmulInto and checks every element of C (including the untouched guard regions around it)
 *  against a float64 triple loop. */
export function check(matmul: MatmulFn, dtype: DType, M: number, N: number, K: number, opts: CheckOptions = {}): void {
  const { aLayout = 'rowMajor', bLayout = 'rowMajor', aOffset = 0, bOffset = 0, cOffset = 0, accumulate = false, seed = 1 } = opts;
  const random = rng(seed + 1000 * M + 100 * N + K);
  const a = operand(dtype, M, K, aLayout, aOffset, random);
  const b = operand(dtype, K, N, bLayout, bOffset, random);
  const guard = 5;
  const c = make(dtype, cOffset + M * N + guard);
  for (let i = 0; i < c.length; i++) c[i] = random() * 2 - 1;
  const before = Float64Array.from(c);

  matmul(c, cOffset, a.data, a.offset, a.rowStride, a.colStride, b.data, b.offset, b.rowStride, b.colStride, M, N, K, accumulate);

  const where = `${dtype} M=${M} N=${N} K=${K} A=${aLayout}+${aOffset} B=${bLayout}+${bOffset} C+${cOffset} acc=${accumulate}`;
  for (let i = 0; i < cOffset; i++) assert.is(c[i], before[i], `${where}: wrote before C at ${i}`);
  for (let i = cOffset + M * N; i < c.length; i++) assert.is(c[i], before[i], `${where}: wrote after C at ${i}`);
  const relTol = dtype === 'float32' ? 1e-5 * Math.sqrt(Math.max(K, 1)) : 1e-12;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = accumulate ? before[cOffset + i * N + j] : 0, scale = Math.abs(sum);
      for (let k = 0; k < K; k++) {
        const p = at(a, i, k) * at(b, k, j);
        sum += p;
        scale += Math.abs(p);
      }
      const got = c[cOffset + i * N + j];
      // Relative to the sum of magnitudes, so cancellation in the exact sum does not make it flaky.
      if (!(Math.abs(got - sum) <= relTol * Math.max(scale, 1e-30))) {
        assert.unreachable(`${where}: C[${i},${j}] = ${got}, expected ${sum} (|diff| ${Math.abs(got - sum)}, tol ${relTol * scale})`);
      }
    }
  }
}
