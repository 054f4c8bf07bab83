// The two passes of global-norm gradient clipping (src/optim/clip.ts) as fused in-place loops.
// Composed from ops, ‖g‖² = sum(mul(g, g)) allocates a temporary the size of g, and the clip
// g ← g·c allocates another and copies it back with assign: for i3-200m's 73M parameters that was
// ≈ 1 GB of fresh memory and ≈ 35 % of a training iteration (i3 train --profile). Here:
//   sumOfSquares   out = Σ xᵢ², accumulated in float64 whatever x's dtype (output: a float64 scalar)
//   scale          x ← x·factor, in place
// Both need a contiguous x (gradients are); anything else is an error naming the fix.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { isContiguousLayout, sizeOf } from '../../src/tensor/shape.ts';
import type { FloatArray } from './matmul.ts';

/** x's elements as one dense range, or a readable error. */
function dense(kernel: string, x: View): { data: FloatArray; start: number; end: number } {
  if (!isContiguousLayout(x.shape, x.strides)) {
    throw new Error(`${kernel} kernel: the tensor must be contiguous (got shape [${x.shape}] strides [${x.strides}]); call contiguous() first`);
  }
  return { data: x.storage.data as FloatArray, start: x.offset, end: x.offset + sizeOf(x.shape) };
}

/** inputs: x; outputs: a float64 scalar Σ xᵢ². */
const sumOfSquares: Kernel = ([x], [out]) => {
  const { data, start, end } = dense('sumOfSquares', x);
  // Four independent float64 partial sums: no loop-carried dependency on one adder, and no
  // float32 rounding however many elements there are.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = start;
  for (; i + 3 < end; i += 4) {
    const a = data[i], b = data[i + 1], c = data[i + 2], d = data[i + 3];
    s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d;
  }
  for (; i < end; i++) s0 += data[i] * data[i];
  (out.storage.data as Float64Array)[out.offset] = s0 + s1 + s2 + s3;
};

/** outputs: x, scaled in place by attrs.factor. */
const scale: Kernel = (_inputs, [x], attrs) => {
  const { data, start, end } = dense('scale', x);
  const factor = attrs.factor as number;
  for (let i = start; i < end; i++) data[i] *= factor;
};

/** The kernels 'sumOfSquares' and 'scale' (in place), for the CPU kernel table. */
export const gradNormKernels = (): Record<string, Kernel> => ({ sumOfSquares, scale });
