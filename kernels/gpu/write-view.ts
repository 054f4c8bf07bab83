// Writing into a strided view of an existing array on the GPU. gpu.js kernels cannot write in place
// (an immutable kernel returns a new array), so "write src into the view" becomes a kernel over the
// whole storage that takes src where the position falls inside the view and the old value elsewhere.
// The view (a slice window of a row-major array: positive strides, no overlap) is inverted by dividing
// by its strides from the largest down: c_a = floor(rel / s_a), rel −= c_a·s_a; inside iff every
// 0 ≤ c_a < shape_a and nothing is left over.
//   out[p] = inside(p) ? src[row-major index of c] : old[p]
// The view's offset is an argument (a one-element array), not a literal: a window moved along its
// storage (a key/value cache filled one position per token) reuses the compiled kernel.

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** The storage size and the view's shape and strides (its offset is passed at run time: see the header). */
export interface WriteViewSpec { size: number; shape: readonly number[]; strides: readonly number[] }

/** Null when the view is one whose positions can be inverted as above, else why not. */
export function writeViewProblem({ shape, strides }: WriteViewSpec): string | null {
  const axes = shape.map((d, a) => a).filter((a) => shape[a] > 1).sort((p, q) => strides[q] - strides[p]);
  let span = 0; // the largest offset reachable through the smaller-stride axes
  for (const a of [...axes].reverse()) {
    if (strides[a] <= span) return `axis ${a} (stride ${strides[a]}) overlaps or interleaves with smaller axes`;
    span += (shape[a] - 1) * strides[a];
  }
  return null;
}

/** Kernel source of a write into a view: src inside the view, the old value elsewhere; `origin` = [offset]. */
export function writeViewSource({ shape, strides }: WriteViewSpec): string {
  const axes = shape.map((d, a) => a).filter((a) => shape[a] > 1).sort((p, q) => strides[q] - strides[p]);
  let srcStride = 1;
  const srcStrides: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    srcStrides[a] = srcStride;
    srcStride *= shape[a];
  }
  const lines = axes.map((a) => `${divmod('rel', strides[a], `c${a}`, `rem${a}`)}
  rel = rem${a};
  if (c${a} < 0 || c${a} >= ${shape[a]}) { inside = 0; }
  at = at + c${a} * ${srcStrides[a]};`);
  return `function (old, src, origin) {
  const p = this.thread.x;
  let rel = p - origin[0];
  let inside = 1;
  let at = 0;
  if (rel < 0) { inside = 0; }
  ${lines.join('\n  ')}
  if (rel > 0.5 || rel < -0.5) { inside = 0; }
  if (inside > 0.5) { return src[at]; }
  return old[p];
}`;
}

/** The compiled view-write kernel. */
export function writeViewKernel(gpu: GPU, spec: WriteViewSpec): IKernelRunShortcut {
  return flatKernel(gpu, writeViewSource(spec), Math.max(1, spec.size));
}
