// Gather and scatter-add along an axis on the GPU. x is viewed as (outer, n, inner) around the axis,
// ids (m entries, stored as floats) pick rows:
//   indexSelect: out[o, j, i] = x[o, ids[j], i]                      (one thread per output element)
//   indexAdd:    dx[o, r, i] = Σ_{j: ids[j] = r} g[o, j, i]           (the gradient of indexSelect)
// A GPU thread cannot add into another's output, so indexAdd is written as a gather too: the ids are
// sorted on the host into rows (CSR: `starts[r]` … `starts[r + 1]` index `order`, the positions j with
// ids[j] = r), and each dx element sums its own list. The loop bound is the longest list, rounded up to
// a power of two so few kernels are compiled.

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** x viewed as (outer, n, inner) around the axis, m ids, and the offsets of x and the ids. */
export interface IndexSpec { outer: number; n: number; inner: number; m: number; xOffset: number; idOffset: number }

/** Kernel source of the gather out[o, j, i] = x[o, ids[j], i]. */
export function indexSelectSource({ n, inner, m, xOffset, idOffset }: IndexSpec): string {
  return `function (x, ids) {
  const p = this.thread.x;
  ${divmod('p', inner, 'q', 'i')}
  ${divmod('q', m, 'o', 'j')}
  return x[${xOffset} + (o * ${n} + ids[${idOffset} + j]) * ${inner} + i];
}`;
}

/** The compiled gather kernel. */
export const indexSelectKernel = (gpu: GPU, spec: IndexSpec): IKernelRunShortcut =>
  flatKernel(gpu, indexSelectSource(spec), Math.max(1, spec.outer * spec.m * spec.inner));

/** Rows of the CSR index: ids → (starts (n + 1), order (m)) and the longest row. */
export function idRows(ids: ArrayLike<number>, n: number): { starts: Float32Array; order: Float32Array; longest: number } {
  const counts = new Int32Array(n + 1);
  for (let j = 0; j < ids.length; j++) counts[ids[j] + 1]++;
  let longest = 0;
  for (let r = 0; r < n; r++) {
    longest = Math.max(longest, counts[r + 1]);
    counts[r + 1] += counts[r];
  }
  const starts = Float32Array.from(counts);
  const order = new Float32Array(Math.max(1, ids.length));
  const next = counts.slice(0, n);
  for (let j = 0; j < ids.length; j++) order[next[ids[j]]++] = j;
  return { starts, order, longest };
}

/** args (g, starts, order); g is (outer, m, inner) contiguous from gOffset. */
export function indexAddSource({ n, inner, m }: IndexSpec, gOffset: number, bound: number): string {
  return `function (g, starts, order) {
  const p = this.thread.x;
  ${divmod('p', inner, 'q', 'i')}
  ${divmod('q', n, 'o', 'r')}
  const first = starts[r];
  const count = starts[r + 1] - first;
  let acc = 0;
  for (let k = 0; k < ${bound}; k++) {
    if (k < count) { acc += g[${gOffset} + (o * ${m} + order[first + k]) * ${inner} + i]; }
  }
  return acc;
}`;
}

/** The compiled scatter-add kernel (each output sums its own CSR list; `bound` is the longest list). */
export const indexAddKernel = (gpu: GPU, spec: IndexSpec, gOffset: number, bound: number): IKernelRunShortcut =>
  flatKernel(gpu, indexAddSource(spec, gOffset, bound), Math.max(1, spec.outer * spec.n * spec.inner), bound);
