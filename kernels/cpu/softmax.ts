// Fused softmax and log-softmax over the last axis of a contiguous (rows, n) input.
// Subtracting the row max first keeps exp() from overflowing: softmax(x) = softmax(x - max(x)).
// Derivation (and the backward, which src/ops/nn.ts composes from ops): docs/derivations/softmax-cross-entropy.md.

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

/** The kernels 'softmax' and 'logSoftmax', for the CPU kernel table. */
export const softmaxKernels = (): Record<string, Kernel> => ({ softmax: rowwise(false), logSoftmax: rowwise(true) });
