// Cross-entropy over token ids on the GPU, with the row log-sum-exp of softmax.ts (pass 1):
//   loss  = Σ_{r: t_r ≠ ignore} (lse[r] − x[r, t_r]) / count          (one thread: a loop over the N rows)
//   scale = g / count                                                   (one thread)
//   dx[r, j] = t_r = ignore ? 0 : exp(x[r, j] − lse[r])·scale − [j = t_r]·scale   (one thread per element)
// logits x (N, V) contiguous from xOffset, targets (N) stored as floats from tOffset.

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** Sizes and offsets of one cross-entropy: N rows of V logits, the targets, and the ignored target value. */
export interface CrossEntropySpec { N: number; V: number; xOffset: number; tOffset: number; ignoreIndex: number }

/** Kernel source of the mean loss over the kept rows (one thread looping over the rows). */
export function crossEntropyLossSource({ N, V, xOffset, tOffset, ignoreIndex }: CrossEntropySpec): string {
  return `function (x, targets, lse) {
  let total = 0;
  let count = 0;
  for (let r = 0; r < ${N}; r++) {
    const t = targets[${tOffset} + r];
    if (t !== ${ignoreIndex}) {
      total += lse[r] - x[${xOffset} + r * ${V} + t];
      count += 1;
    }
  }
  return total / count;
}`;
}

/** Kernel source of scale = g / count (one thread). */
export function crossEntropyScaleSource({ N, tOffset, ignoreIndex }: CrossEntropySpec, gOffset: number): string {
  return `function (g, targets) {
  let count = 0;
  for (let r = 0; r < ${N}; r++) { if (targets[${tOffset} + r] !== ${ignoreIndex}) { count += 1; } }
  return g[${gOffset}] / count;
}`;
}

/** Kernel source of the logits' gradient, one thread per element. */
export function crossEntropyGradSource({ V, xOffset, tOffset, ignoreIndex }: CrossEntropySpec): string {
  return `function (x, targets, lse, scale) {
  const i = this.thread.x;
  ${divmod('i', V, 'r', 'j')}
  const t = targets[${tOffset} + r];
  if (t === ${ignoreIndex}) { return 0; }
  const s = scale[0];
  const hit = j === t ? s : 0;
  return Math.exp(x[${xOffset} + i] - lse[r]) * s - hit;
}`;
}

/** The compiled loss kernel. */
export const crossEntropyLossKernel = (gpu: GPU, spec: CrossEntropySpec): IKernelRunShortcut => flatKernel(gpu, crossEntropyLossSource(spec), 1, spec.N);
/** The compiled scale kernel. */
export const crossEntropyScaleKernel = (gpu: GPU, spec: CrossEntropySpec, gOffset: number): IKernelRunShortcut =>
  flatKernel(gpu, crossEntropyScaleSource(spec, gOffset), 1, spec.N);
/** The compiled gradient kernel. */
export const crossEntropyGradKernel = (gpu: GPU, spec: CrossEntropySpec): IKernelRunShortcut => flatKernel(gpu, crossEntropyGradSource(spec), Math.max(1, spec.N * spec.V));
