// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (spec §3.8: clip 1.0 over all
// parameters). The norm is taken over all gradients together, ‖g‖ = √(Σᵢ Σ gᵢ²), so the direction of
// the whole update is kept; when ‖g‖ > maxNorm every gradient is scaled by maxNorm / (‖g‖ + 1e-6)
// (PyTorch adds the 1e-6 to avoid dividing by zero). A backend with the fused 'sumOfSquares' and
// 'scale' kernels (the CPU: kernels/cpu/grad-norm.ts) does both passes in place with no temporaries;
// the composed ops below are the reference and the GPU's path.

import { noGrad } from '../autograd/grad-mode.ts';
import { scope } from '../backend/memory.ts';
import { assign } from '../ops/assign.ts';
import { runKernel } from '../ops/dispatch.ts';
import { mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Scales the gradients in place if their global L2 norm exceeds maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  // Each tensor's sum of squares comes back as one number and is added in float64 here, so the
  // total does not lose precision to float32 summation across millions of elements.
  const total = Math.sqrt(grads.reduce((acc, g) => acc + scope(() => sumOfSquares(g)), 0));
  const coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1) noGrad(() => grads.forEach((g) => scope(() => scaleInPlace(g, coefficient))));
  return total;
}

const fused = (g: Tensor, kernel: string) => g.isContiguous ? g.storage.backend.kernel(kernel, g.dtype) : undefined;

/** Σ g² as a number: one fused pass where the backend has it, else sum(mul(g, g)). */
function sumOfSquares(g: Tensor): number {
  if (!fused(g, 'sumOfSquares')) return sum(mul(g, g)).item();
  return runKernel('clipGradNorm', 'sumOfSquares', [g], [{ shape: [], dtype: 'float64' }])[0].item();
}

/** g ← g·c: in place where the backend has the fused kernel, else a product copied back. */
function scaleInPlace(g: Tensor, c: number): void {
  const kernel = fused(g, 'scale');
  if (kernel) kernel([], [g], { factor: c });
  else assign(g, mul(g, c));
}
