// Row-wise softmax and log-softmax on the GPU, in two passes so each thread does O(n) work:
//   1. lse[r] = m + log Σ_j exp(x[r, j] − m),  m = max_j x[r, j]   (one thread per row; m = 0 for a
//      fully masked row of −∞, as on the CPU)
//   2. softmax: exp(x[r, j] − lse[r]);  log-softmax: x[r, j] − lse[r]   (one thread per element)
// x is (rows, n) contiguous from `offset`. Cross-entropy reuses pass 1.

import { divmod, flatKernel, lit, type GPU, type IKernelRunShortcut } from './source.ts';

/** Rows of n contiguous values from `offset`. */
export interface RowsSpec { rows: number; n: number; offset: number }

/** Kernel source of each row's max-shifted log-sum-exp (pass 1 of softmax), one thread per row. */
export function rowLogSumExpSource({ n, offset }: RowsSpec): string {
  return `function (x) {
  const start = ${offset} + this.thread.x * ${n};
  let m = ${lit(-Infinity)};
  for (let j = 0; j < ${n}; j++) { const v = x[start + j]; if (v > m) { m = v; } }
  if (m <= ${lit(-Infinity)}) { m = 0; }
  let s = 0;
  for (let j = 0; j < ${n}; j++) { s += Math.exp(x[start + j] - m); }
  return m + Math.log(s);
}`;
}

/** The compiled log-sum-exp kernel. */
export function rowLogSumExpKernel(gpu: GPU, spec: RowsSpec): IKernelRunShortcut {
  return flatKernel(gpu, rowLogSumExpSource(spec), Math.max(1, spec.rows), spec.n);
}

/** Kernel source of softmax (exp(x − lse)) or log-softmax (x − lse), one thread per element. */
export function softmaxSource({ n, offset }: RowsSpec, log: boolean): string {
  return `function (x, lse) {
  const i = this.thread.x;
  ${divmod('i', n, 'r', 'j')}
  const v = x[${offset} + i] - lse[r];
  return ${log ? 'v' : 'Math.exp(v)'};
}`;
}

/** The compiled softmax or log-softmax kernel. */
export function softmaxKernel(gpu: GPU, spec: RowsSpec, log: boolean): IKernelRunShortcut {
  return flatKernel(gpu, softmaxSource(spec, log), Math.max(1, spec.rows * spec.n));
}
