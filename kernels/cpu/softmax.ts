// Fused softmax and log-softmax over the last axis of a contiguous (rows, n) input.
// Subtracting the row max first keeps exp() from overflowing: softmax(x) = softmax(x - max(x)).
// Softmax's backward is fused too: per row, dx = y ⊙ (g − Σ g ⊙ y) in two passes (src/ops/nn.ts uses it
// where the backend has it; composed from mul, sum, sub it is four kernels and three temporaries).
// Derivation: docs/derivations/softmax-cross-entropy.md.

import type { Kernel } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

function rowwise(log: boolean): Kernel {
  return ([x], [out]) => {
    const n = x.shape[x.shape.length - 1];
    const src = x.storage.data as TypedArray, dst = out.storage.data as TypedArray;
    const rows = n === 0 ? 0 : x.shape.reduce((a, b) => a * b, 1) / n;
    for (let r = 0; r < rows; r++) {
      const s = x.offset + r * n, d = out.offset + r * n;
      let max = -Infinity;
      for (let j = 0; j < n; j++) if (src[s + j] > max) max = src[s + j];
      if (max === -Infinity) max = 0; // a fully masked row: keep exp(-inf - 0) = 0 rather than NaN from -inf - -inf
      let sum = 0;
      if (log) {
        for (let j = 0; j < n; j++) sum += Math.exp(src[s + j] - max);
        const lse = max + Math.log(sum);
        for (let j = 0; j < n; j++) dst[d + j] = src[s + j] - lse;
      } else {
        // exp once per element: store it, then scale (exp dominates the cost of this kernel).
        for (let j = 0; j < n; j++) sum += dst[d + j] = Math.exp(src[s + j] - max);
        const inv = 1 / sum;
        for (let j = 0; j < n; j++) dst[d + j] *= inv;
      }
    }
  };
}

/** inputs: g, y (rows, n), contiguous; output: dx = y ⊙ (g − Σ g ⊙ y) per row. */
const softmaxBackward: Kernel = ([g, y], [dx]) => {
  const n = y.shape[y.shape.length - 1];
  const gs = g.storage.data as TypedArray, ys = y.storage.data as TypedArray, ds = dx.storage.data as TypedArray;
  const rows = n === 0 ? 0 : y.shape.reduce((a, b) => a * b, 1) / n;
  for (let r = 0; r < rows; r++) {
    const go = g.offset + r * n, yo = y.offset + r * n, d = dx.offset + r * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += gs[go + j] * ys[yo + j];
    for (let j = 0; j < n; j++) ds[d + j] = ys[yo + j] * (gs[go + j] - dot);
  }
};

/** The kernels 'softmax', 'logSoftmax' and 'softmaxBackward', for the CPU kernel table. */
export const softmaxKernels = (): Record<string, Kernel> => ({ softmax: rowwise(false), logSoftmax: rowwise(true), softmaxBackward });
