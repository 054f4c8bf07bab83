// CPU reductions over any set of axes. The output is given in keepdim form (reduced axes have size 1);
// reading it with stride 0 on those axes makes every input element land on its output slot, so one
// pass over the input in memory order does any reduction. Sums accumulate in float64.

import type { Kernel } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { contiguousStrides } from '../../src/tensor/shape.ts';
import { compileStridedLoop } from './strided.ts';

const sumLoop = compileStridedLoop(2, 'd0[i0] += d1[i1]');
const maxLoop = compileStridedLoop(2, '{ const v = d1[i1]; if (v > d0[i0] || v !== v) d0[i0] = v; }');

function reduction(loop: typeof sumLoop, initial: number): Kernel {
  return ([x], [out]) => {
    const acc = new Float64Array(out.shape.reduce((a, b) => a * b, 1)).fill(initial);
    const accStrides = contiguousStrides(out.shape).map((s, a) => (out.shape[a] === 1 ? 0 : s));
    loop(x.shape, [{ data: acc, offset: 0, strides: accStrides }, { data: x.storage.data as TypedArray, offset: x.offset, strides: x.strides }]);
    (out.storage.data as TypedArray).set(acc, out.offset);
  };
}

export const reduceKernels = (): Record<string, Kernel> => ({
  sum: reduction(sumLoop, 0),
  max: reduction(maxLoop, -Infinity),
});
