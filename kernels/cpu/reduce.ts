// CPU reductions over any set of axes. The output is given in keepdim form (reduced axes have size 1);
// reading it with stride 0 on those axes makes every input element land on its output slot, so one
// pass over the input in memory order does any reduction. Sums accumulate in float64. Reducing the
// trailing axes of a contiguous input (rows) takes a direct per-row loop instead.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { contiguousStrides, sizeOf } from '../../src/tensor/shape.ts';
import { compileStridedLoop } from './strided.ts';

const sumLoop = compileStridedLoop(2, 'd0[i0] += d1[i1]');
const maxLoop = compileStridedLoop(2, '{ const v = d1[i1]; if (v > d0[i0] || v !== v) d0[i0] = v; }');

/** [rows, n] when x is contiguous and exactly its trailing axes are reduced (the common case), else null. */
function trailingRows(x: View, out: View): [number, number] | null {
  const strides = contiguousStrides(x.shape);
  if (!x.shape.every((d, a) => d === 1 || x.strides[a] === strides[a])) return null;
  let a = x.shape.length;
  while (a > 0 && out.shape[a - 1] === 1) a--;
  if (!x.shape.slice(0, a).every((d, i) => d === out.shape[i])) return null;
  const n = x.shape.slice(a).reduce((p, q) => p * q, 1);
  return [n === 0 ? 0 : sizeOf(x.shape) / n, n];
}

function reduction(loop: typeof sumLoop, initial: number, row: RowReducer): Kernel {
  return ([x], [out]) => {
    const xs = x.storage.data as TypedArray, os = out.storage.data as TypedArray;
    const fast = trailingRows(x, out);
    if (fast) {
      // One contiguous row per output element: accumulate in a local, no strided bookkeeping.
      const [rows, n] = fast;
      for (let r = 0; r < rows; r++) os[out.offset + r] = row(xs, x.offset + r * n, n, initial);
      if (rows === 0) os.fill(initial, out.offset, out.offset + sizeOf(out.shape));
      return;
    }
    const acc = new Float64Array(sizeOf(out.shape)).fill(initial);
    const accStrides = contiguousStrides(out.shape).map((st, a) => (out.shape[a] === 1 ? 0 : st));
    loop(x.shape, [{ data: acc, offset: 0, strides: accStrides }, { data: xs, offset: x.offset, strides: x.strides }]);
    os.set(acc, out.offset);
  };
}

type RowReducer = (xs: TypedArray, start: number, n: number, initial: number) => number;

const sumRow: RowReducer = (xs, start, n, initial) => {
  let s = initial;
  for (let j = start; j < start + n; j++) s += xs[j];
  return s;
};

const maxRow: RowReducer = (xs, start, n, initial) => {
  let m = initial;
  for (let j = start; j < start + n; j++) {
    const v = xs[j];
    if (v > m || v !== v) m = v;
    if (m !== m) break; // NaN is sticky
  }
  return m;
};

/** The reduction kernels 'sum' and 'max', for the CPU kernel table. */
export const reduceKernels = (): Record<string, Kernel> => ({
  sum: reduction(sumLoop, 0, sumRow),
  max: reduction(maxLoop, -Infinity, maxRow),
});
