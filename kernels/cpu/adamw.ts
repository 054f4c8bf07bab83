// The AdamW update of one parameter as one fused loop (reference kernel; float64 and, with
// I3_KERNELS=ts, float32). src/optim/adamw.ts documents the update; composed from elementwise ops it
// is ≈10 kernel calls and as many temporary tensors per parameter, each a full pass over memory. Here
// each element is read once and written once, in the order PyTorch's torch.optim.AdamW computes:
//   θ ← θ·(1 − γλ);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  θ ← θ − (m·γ/c1) / (√v/√c2 + ε)
// with c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ. Inputs [grad], outputs [param, expAvg, expAvgSq], updated in place.
// Why each step is there (bias corrections, decoupled decay): docs/derivations/adamw.md.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { isContiguousLayout, sizeOf } from '../../src/tensor/shape.ts';
import type { FloatArray } from './matmul.ts';

/** Attributes of the 'adamw' kernel: decay = 1 − γλ (1 when the parameter does not decay),
 *  stepSize = γ / c1, sqrtC2 = √c2. */
export interface AdamWAttrs { beta1: number; beta2: number; eps: number; decay: number; stepSize: number; sqrtC2: number }

/** The dense element range of views that must all be contiguous and the same size. */
export function adamwOperands(views: readonly View[]): { arrays: FloatArray[]; offsets: number[]; n: number } {
  const n = sizeOf(views[0].shape);
  for (const v of views) {
    if (!isContiguousLayout(v.shape, v.strides) || sizeOf(v.shape) !== n || v.dtype !== views[0].dtype) {
      throw new Error(`adamw kernel: parameter, gradient and moments must be contiguous tensors of one dtype and size (got shape [${v.shape}] strides [${v.strides}] ${v.dtype}, expected ${n} elements of ${views[0].dtype}); call contiguous() first`);
    }
  }
  return { arrays: views.map((v) => v.storage.data as FloatArray), offsets: views.map((v) => v.offset), n };
}

const adamw: Kernel = ([grad], [param, expAvg, expAvgSq], attrs) => {
  const { beta1, beta2, eps, decay, stepSize, sqrtC2 } = attrs as unknown as AdamWAttrs;
  const { arrays: [g, p, m, v], offsets: [go, po, mo, vo], n } = adamwOperands([grad, param, expAvg, expAvgSq]);
  for (let i = 0; i < n; i++) {
    const gi = g[go + i];
    const mi = beta1 * m[mo + i] + (1 - beta1) * gi;
    const vi = beta2 * v[vo + i] + gi * gi * (1 - beta2);
    m[mo + i] = mi;
    v[vo + i] = vi;
    p[po + i] = p[po + i] * decay - (mi * stepSize) / (Math.sqrt(vi) / sqrtC2 + eps);
  }
};

/** The fused kernel 'adamw', for the CPU kernel table. */
export const adamwKernels = (): Record<string, Kernel> => ({ adamw });
