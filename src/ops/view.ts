// Shape ops. reshape (of a contiguous tensor), permute, expand and slice return views that share the
// input's storage: no data moves, only shape, strides and offset change. contiguous() copies when a
// kernel needs row-major data. Each backward is the inverse view, or a sum for expand.

import { zeros } from '../tensor/create.ts';
import type { DType } from '../tensor/dtype.ts';
import { broadcastShapes, checkShape, contiguousStrides, fmt, normalizeAxis, sameShape, sizeOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { runKernel, runKernelInto } from './dispatch.ts';
import type { Draw } from './draw.ts';
import { unbroadcast } from './elementwise.ts';
import { defineOp } from './op.ts';

/** A new tensor object over the same storage. */
export function view(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.storage, shape, strides, offset);
}

/** A tensor that shares x's data but not its graph: gradients stop here. */
export function detach(x: Tensor): Tensor {
  x.assertAlive('detach');
  return view(x, x.shape, x.strides, x.offset);
}

export const contiguous = defineOp(
  {
    name: 'contiguous', doc: 'row-major copy of a strided view (a free view if already contiguous)', kernels: ['copy'], differentiable: true,
    domain: (d, op) => ({ inputs: [d.tensor(d.shape(2, 3), -3, 3)], run: ([x]) => op(transpose(x, 0, -1)) }),
  },
  (x: Tensor) => ({
    out: x.isContiguous ? view(x, x.shape, x.strides, x.offset) : runKernel('contiguous', 'copy', [x], [{ shape: x.shape }])[0],
    backward: (g) => [g],
  }),
);

/** A new shape with the same number of elements; one dim may be -1 (inferred). */
export const reshape = defineOp(
  {
    name: 'reshape', doc: 'same elements, new shape (one dim may be -1); a view when contiguous', kernels: ['copy'], differentiable: true,
    domain: (d, reshape) => {
      const shape = d.shape(1, 4);
      const target = d.bool() ? [sizeOf(shape)] : [...shape].reverse();
      return { inputs: [d.tensor(shape, -3, 3)], run: ([x]) => reshape(transpose(x, 0, -1), target) };
    },
  },
  (x: Tensor, shape: Shape) => {
    const target = inferShape(x, shape);
    const strides = viewStrides(x.shape, x.strides, target);
    if (strides) return { out: view(x, target, strides, x.offset), backward: (g: Tensor): Tensor[] => [reshape(g, x.shape)] };
    const copy = runKernel('reshape', 'copy', [x], [{ shape: x.shape }])[0]; // row-major, so any shape views it
    const out = view(copy, target, contiguousStrides(target), 0);
    copy.dispose();
    return { out, backward: (g: Tensor): Tensor[] => [reshape(g, x.shape)] };
  },
);

/**
 * Strides that read a tensor of (shape, strides) as `target` without moving data, or null when the
 * layout does not allow it. The old axes split into runs that are contiguous among themselves
 * (stride[d] = stride[d+1]·shape[d+1]); a view exists when the new axes regroup each run exactly, and
 * then a new axis takes its run's innermost stride times the sizes inside it (the rule PyTorch's
 * `view` uses). So a squeeze, or merging q/k/v's head axes back, never copies when it need not.
 */
export function viewStrides(shape: Shape, strides: readonly number[], target: Shape): number[] | null {
  if (shape.length === 0 || sizeOf(shape) === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let t = target.length - 1, base = strides[shape.length - 1], runSize = 1, viewSize = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    runSize *= shape[d];
    const runEnds = d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== runSize * base);
    if (!runEnds) continue;
    while (t >= 0 && (viewSize < runSize || target[t] === 1)) {
      out[t] = viewSize * base;
      viewSize *= target[t];
      t--;
    }
    if (viewSize !== runSize) return null;
    if (d > 0) [base, runSize, viewSize] = [strides[d - 1], 1, 1];
  }
  return t === -1 ? out : null;
}

function inferShape(x: Tensor, shape: Shape): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`reshape: at most one dim may be -1, got ${fmt(shape)}`);
  const known = shape.filter((d) => d !== -1);
  checkShape('reshape', known);
  const rest = sizeOf(known);
  const target = shape.map((d) => (d === -1 ? (rest === 0 ? 0 : x.size / rest) : d));
  if (sizeOf(target) !== x.size || !target.every(Number.isInteger)) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
  }
  return target;
}

/** Reorders the axes: out.shape[i] = x.shape[dims[i]]. */
export const permute = defineOp(
  {
    name: 'permute', doc: 'reorder axes (a view)', kernels: [], differentiable: true,
    domain: (d, permute) => {
      const shape = d.shape(1, 4);
      const dims = shape.map((_, i) => i).sort(() => (d.bool() ? 1 : -1));
      return { inputs: [d.tensor(shape, -3, 3)], run: ([x]) => permute(x, dims) };
    },
  },
  (x: Tensor, dims: readonly number[]) => {
    const axes = dims.map((a) => normalizeAxis('permute', a, x.ndim));
    if (axes.length !== x.ndim || new Set(axes).size !== x.ndim) {
      throw new Error(`permute: dims [${dims.join(', ')}] must be a permutation of the ${x.ndim} axes of ${fmt(x.shape)}`);
    }
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => (inverse[a] = i));
    const out = view(x, axes.map((a) => x.shape[a]), axes.map((a) => x.strides[a]), x.offset);
    return { out, backward: (g: Tensor): Tensor[] => [permute(g, inverse)] };
  },
);

/** Swaps two axes (by default the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const dims = x.shape.map((_, i) => i);
  const [i, j] = [normalizeAxis('transpose', a, x.ndim), normalizeAxis('transpose', b, x.ndim)];
  [dims[i], dims[j]] = [dims[j], dims[i]];
  return permute(x, dims);
}

/** Broadcasts x to `shape` without copying (stride 0 along stretched axes). */
export const expand = defineOp(
  {
    name: 'expand', doc: 'broadcast to a larger shape (a view, stride 0)', kernels: ['sum'], differentiable: true,
    domain: (d, expand) => {
      const [small] = d.broadcastable(1);
      const big = [d.int(1, 3), ...small.map((s) => (s === 1 ? d.int(1, 3) : s))];
      return { inputs: [d.tensor(small, -3, 3)], run: ([x]) => expand(x, big) };
    },
  },
  (x: Tensor, shape: Shape) => {
    const target = shape.map((s, i) => (s === -1 ? x.shape[i - shape.length + x.ndim] : s));
    if (!sameShape(broadcastShapes('expand', x.shape, target), target)) {
      throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}: only size-1 axes can grow`);
    }
    const lead = target.length - x.ndim;
    const strides = target.map((_, a) => (a < lead || x.shape[a - lead] === 1 ? 0 : x.strides[a - lead]));
    return { out: view(x, target, strides, x.offset), backward: (g) => [unbroadcast(g, x.shape)] };
  },
);

/** Elements start, start+step, … below end along one axis (Python slice rules: negatives count from the end, bounds clamp). */
export const slice = defineOp(
  {
    name: 'slice', doc: 'a range along one axis, optional step (a view)', kernels: ['copy'], differentiable: true,
    domain: (d, slice) => {
      const shape = d.shape(1, 3, 5);
      const axis = d.int(0, shape.length - 1);
      const start = d.int(-shape[axis], shape[axis] - 1);
      const step = d.int(1, 2);
      return { inputs: [d.tensor(shape, -3, 3)], run: ([x]) => slice(x, axis, start, undefined, step) };
    },
  },
  (x: Tensor, axis: number, start: number, end?: number, step: number = 1) => {
    const a = normalizeAxis('slice', axis, x.ndim);
    if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step must be a positive integer, got ${step}`);
    const n = x.shape[a];
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    const [s, e] = [clamp(start), clamp(end ?? n)];
    const len = Math.max(0, Math.ceil((e - s) / step));
    const shape = x.shape.map((d, i) => (i === a ? len : d));
    const strides = x.strides.map((st, i) => (i === a ? st * step : st));
    const out = view(x, shape, strides, x.offset + s * x.strides[a]);
    const backward = (g: Tensor) => {
      const dx = zeros(x.shape, { dtype: g.dtype, backend: g.backend });
      const window = slice(dx, a, s, e, step);
      runKernelInto('slice backward', 'copy', [g], window);
      window.dispose();
      return [dx];
    };
    return { out, backward };
  },
);

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.ndim, 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes size-1 axes (all of them, or the one given). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis('squeeze', axis, x.ndim);
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of ${fmt(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** A copy in another dtype; the gradient is cast back. */
export const toDType = defineOp(
  {
    name: 'toDType', doc: 'cast between float32, float64 and int32', kernels: ['copy'], differentiable: true,
    domain: (d, toDType) => ({ inputs: [d.tensor(d.shape(0, 3), -3, 3)], run: ([x]) => toDType(x, 'float64') }),
  },
  (x: Tensor, dtype: DType) => ({
    out: runKernel('toDType', 'copy', [x], [{ shape: x.shape }], {}, dtype)[0],
    backward: (g: Tensor): Tensor[] => [toDType(g, x.dtype)],
  }),
);
