// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (spec §3.8: clip 1.0 over all
// parameters). The norm is taken over all gradients together, ‖g‖ = √(Σᵢ Σ gᵢ²), so the direction of
// the whole update is kept; when ‖g‖ > maxNorm every gradient is scaled by maxNorm / (‖g‖ + 1e-6)
// (PyTorch adds the 1e-6 to avoid dividing by zero). All the per-tensor sums are computed first and
// read back together (one wait for the device), synchronously or with clipGradNormAsync. A backend
// with the fused 'sumOfSquares' and 'scale' kernels (the CPU: kernels/cpu/grad-norm.ts) does both
// passes in place with no temporaries (composed, they allocated ≈ 1 GB per i3-200m iteration); the
// composed ops are the reference and the GPU's path.

import { noGrad } from '../autograd/grad-mode.ts';
import { keep, scope } from '../backend/memory.ts';
import { profiled } from '../backend/profile.ts';
import { assign } from '../ops/assign.ts';
import { runKernel } from '../ops/dispatch.ts';
import { mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** The gradients, and each one's sum of squares as a one-element tensor (owned by the caller). */
function squaredSums(params: readonly Tensor[], maxNorm: number): { grads: Tensor[]; sums: Tensor[] } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  return { grads, sums: grads.map((g) => keep(scope(() => sumOfSquares(g)))) };
}

const fusedKernel = (g: Tensor, name: string) => (g.isContiguous ? g.storage.backend.kernel(name, g.dtype) : undefined);

/** Σ g² as a one-element tensor: one fused pass (float64) where the backend has it, else sum(mul(g, g)). */
function sumOfSquares(g: Tensor): Tensor {
  if (!fusedKernel(g, 'sumOfSquares')) return sum(mul(g, g));
  // A frame of its own in i3 train --profile (the composed path's sum and mul are ops, so they have theirs).
  return profiled('sumOfSquares', () => runKernel('clipGradNorm', 'sumOfSquares', [g], [{ shape: [], dtype: 'float64' }])[0]);
}

/** g ← g·c: in place where the backend has the fused kernel, else a product copied back. */
function scaleInPlace(g: Tensor, c: number): void {
  const kernel = fusedKernel(g, 'scale');
  if (kernel) kernel([], [g], { factor: c });
  else scope(() => assign(g, mul(g, c)));
}

/** Scales the gradients when the norm of `values` (the squared sums) exceeds maxNorm; returns the norm. */
function applyClip(grads: readonly Tensor[], values: readonly number[], maxNorm: number): number {
  // Each tensor's sum of squares comes back as one number and is added in float64 here, so the
  // total does not lose precision to float32 summation across millions of elements.
  const total = Math.sqrt(values.reduce((acc, v) => acc + v, 0));
  const coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1) noGrad(() => grads.forEach((g) => scaleInPlace(g, coefficient)));
  return total;
}

/** Scales the gradients in place if their global L2 norm exceeds maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const { grads, sums } = squaredSums(params, maxNorm);
  try {
    return applyClip(grads, sums.map((s) => s.item()), maxNorm);
  } finally {
    for (const s of sums) s.dispose();
  }
}

/** clipGradNorm for every backend, reading the sums with Tensor.itemAsync. */
export async function clipGradNormAsync(params: readonly Tensor[], maxNorm: number): Promise<number> {
  const { grads, sums } = squaredSums(params, maxNorm);
  try {
    return applyClip(grads, await Promise.all(sums.map((s) => s.itemAsync())), maxNorm);
  } finally {
    for (const s of sums) s.dispose();
  }
}
