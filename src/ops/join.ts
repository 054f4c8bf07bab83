// Joining and splitting along an axis. concat writes each input into a slice of one output;
// its gradient is the matching slices of the incoming gradient. stack and split are built from
// concat / unsqueeze and slice, so their gradients come for free.

import { fmt, normalizeAxis } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { allocateLike, disposeUnlessInGraph, expectSameDType, runKernelInto } from './dispatch.ts';
import { defineOp } from './op.ts';
import { slice, unsqueeze } from './view.ts';

export const concat = defineOp(
  {
    name: 'concat', doc: 'join tensors along an existing axis', kernels: ['copy'], differentiable: true,
    domain: (d, concat) => {
      const shape = d.shape(1, 3);
      const axis = d.int(0, shape.length - 1);
      const parts = Array.from({ length: d.int(1, 3) }, () => shape.map((s, i) => (i === axis ? d.int(1, 3) : s)));
      return { inputs: parts.map((p) => d.tensor(p, -3, 3)), run: (xs) => concat(xs, axis) };
    },
  },
  (tensors: readonly Tensor[], axis: number = 0) => {
    if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
    const a = normalizeAxis('concat', axis, tensors[0].ndim);
    expectSameDType('concat', tensors);
    for (const t of tensors) {
      if (t.ndim !== tensors[0].ndim || t.shape.some((d, i) => i !== a && d !== tensors[0].shape[i])) {
        throw new Error(`concat: shapes ${tensors.map((x) => fmt(x.shape)).join(', ')} differ outside axis ${axis}`);
      }
    }
    const shape = tensors[0].shape.map((d, i) => (i === a ? tensors.reduce((n, t) => n + t.shape[a], 0) : d));
    const out = allocateLike('concat', tensors[0], shape);
    const starts: number[] = [];
    let start = 0;
    for (const t of tensors) {
      starts.push(start);
      const window = slice(out, a, start, start + t.shape[a]);
      runKernelInto('concat', 'copy', [t], window);
      window.dispose();
      start += t.shape[a];
    }
    return { out, backward: (g) => tensors.map((t, i) => slice(g, a, starts[i], starts[i] + t.shape[a])) };
  },
);

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normalizeAxis('stack', axis, tensors[0].ndim, 1);
  const expanded = tensors.map((t) => unsqueeze(t, a));
  const out = concat(expanded, a);
  for (const t of expanded) disposeUnlessInGraph(t);
  return out;
}

/** Splits along an axis into pieces of the given sizes, or into `sections` equal pieces. Views, no copy. */
export function split(x: Tensor, sizesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.ndim);
  const n = x.shape[a];
  let sizes: readonly number[];
  if (typeof sizesOrSections === 'number') {
    if (sizesOrSections < 1 || n % sizesOrSections !== 0) throw new Error(`split: axis ${axis} of ${fmt(x.shape)} (size ${n}) cannot be split into ${sizesOrSections} equal parts`);
    sizes = Array(sizesOrSections).fill(n / sizesOrSections);
  } else {
    sizes = sizesOrSections;
    if (sizes.reduce((p, q) => p + q, 0) !== n) throw new Error(`split: sizes [${sizes.join(', ')}] do not add up to ${n}, the size of axis ${axis} of ${fmt(x.shape)}`);
  }
  let start = 0;
  return sizes.map((s) => slice(x, a, start, (start += s)));
}
