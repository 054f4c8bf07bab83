// AdamW's update (src/optim/adamw.ts, docs/derivations/adamw.md) as gpu kernels, in place of the ~12
// elementwise kernels and 8 scalar uploads of the composed ops per parameter. A gpu.js kernel has one
// output, so it is three kernels, each reading the old θ, m, v and g (the new m and v are recomputed
// where θ needs them, with the same float32 operations, so all three agree):
//   m' = β1·m + (1 − β1)·g
//   v' = β2·v + (1 − β2)·g²
//   θ' = θ·decay − (m'·stepSize) / (√v' / √(1 − β2ᵗ) + ε)        (PyTorch's order of operations)
// β1, β2 and ε are literals; decay, stepSize = lr / (1 − β1ᵗ) and √(1 − β2ᵗ) change every step (the
// schedule, the bias corrections), so they come in a 3-element array `s` and the kernels compile once.

import { flatKernel, lit, type GPU, type IKernelRunShortcut } from './source.ts';

/** One parameter's update: its size, the constant hyper-parameters and where each operand starts. */
export interface AdamWSpec {
  n: number;
  beta1: number;
  beta2: number;
  eps: number;
  offsets: { g: number; p: number; m: number; v: number };
}

/** Which of the three results a kernel computes. */
export type AdamWOutput = 'm' | 'v' | 'p';

/** Kernel source of one result; arguments (g, p, m, v, s) with s = [decay, stepSize, √(1 − β2ᵗ)]. */
export function adamwSource({ beta1, beta2, eps, offsets: o }: AdamWSpec, output: AdamWOutput): string {
  const m = `${lit(beta1)} * m[${o.m} + i] + ${lit(1 - beta1)} * gi`;
  const v = `${lit(beta2)} * v[${o.v} + i] + ${lit(1 - beta2)} * gi * gi`;
  const body = output === 'm' ? `return ${m};`
    : output === 'v' ? `return ${v};`
    : `const mi = ${m};\n  const vi = ${v};\n  return p[${o.p} + i] * s[0] - (mi * s[1]) / (Math.sqrt(vi) / s[2] + ${lit(eps)});`;
  return `function (g, p, m, v, s) {
  const i = this.thread.x;
  const gi = g[${o.g} + i];
  ${body}
}`;
}

/** The compiled kernel of one result. */
export function adamwKernel(gpu: GPU, spec: AdamWSpec, output: AdamWOutput): IKernelRunShortcut {
  return flatKernel(gpu, adamwSource(spec, output), Math.max(1, spec.n));
}
