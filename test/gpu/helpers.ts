// Shared by the GPU conformance script and its extra checks: float32 tolerances and moving tensors.
import * as I from '../../src/index.ts';

/** Float32 tolerance: |gpu − cpu| ≤ ATOL·scale + RTOL·|cpu|, scale = the largest |reference| (at least 1). */
export const RTOL = 2e-3, ATOL = 2e-4;

/** Null when gpu matches the float64 cpu reference within float32 tolerance, else the first mismatch. */
export function compare(what: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>): string | null {
  if (gpu.length !== cpu.length) return `${what}: ${gpu.length} elements on the gpu, ${cpu.length} on the cpu`;
  let scale = 1;
  for (let i = 0; i < cpu.length; i++) if (Number.isFinite(cpu[i])) scale = Math.max(scale, Math.abs(cpu[i]));
  for (let i = 0; i < cpu.length; i++) {
    const [g, c] = [gpu[i], cpu[i]];
    if (Number.isNaN(c) && Number.isNaN(g)) continue;
    if (c === g) continue; // equal infinities
    if (!(Math.abs(g - c) <= ATOL * scale + RTOL * Math.abs(c))) return `${what}: element ${i} is ${g} on the gpu, ${c} on the cpu (float64)`;
  }
  return null;
}

/** A float32 (or int32) copy of a CPU tensor on the gpu backend. */
export function toGpu(t: I.Tensor, requiresGrad = t.requiresGrad): I.Tensor {
  const data = t.data();
  const values = data instanceof Int32Array ? data : Float32Array.from(data);
  return I.tensor(values, { shape: t.shape, backend: 'gpu', requiresGrad });
}
