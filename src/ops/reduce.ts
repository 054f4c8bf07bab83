// Reductions over any set of axes, with keepdim. The kernel always produces the keepdim shape;
// dropping the reduced axes is a free reshape of the same storage.

import { normalizeAxes, fmt } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { runKernel } from './dispatch.ts';
import { div, eq, mul } from './elementwise.ts';
import { defineOp } from './op.ts';
import type { Draw } from './draw.ts';
import { expand, reshape } from './view.ts';

/** Axes to reduce: one, several, or undefined for all. */
export type Axes = number | readonly number[] | undefined;

interface Reduced { kept: number[]; axes: number[]; count: number }

function reducedShape(op: string, x: Tensor, axes: Axes): Reduced {
  const list = normalizeAxes(op, axes, x.ndim);
  const kept = x.shape.map((d, a) => (list.includes(a) ? 1 : d));
  return { kept, axes: list, count: list.reduce((n, a) => n * x.shape[a], 1) };
}

/** The keepdim result reshaped (as a view) to drop the reduced axes, unless keepdim. */
function finish(kept: Tensor, axes: number[], keepdim: boolean): Tensor {
  if (keepdim) return kept;
  const out = reshape(kept, kept.shape.filter((_, a) => !axes.includes(a)));
  kept.dispose();
  return out;
}

/** Broadcasts a reduced gradient back over the reduced axes of x. */
function spread(g: Tensor, r: Reduced, x: Tensor): Tensor {
  return expand(reshape(g, r.kept), x.shape);
}

const reduceDomain = (op: (x: Tensor, axes?: Axes, keepdim?: boolean) => Tensor, distinct = false) => (d: Draw) => {
  const shape = d.shape(1, 4);
  const axes = shape.map((_, a) => a).filter(() => d.bool());
  const keepdim = d.bool();
  const useNegative = d.bool();
  const spec = axes.length === 0 && d.bool() ? undefined : axes.map((a) => (useNegative ? a - shape.length : a));
  return { inputs: [d.tensor(shape, -3, 3, { distinct })], run: ([x]: readonly Tensor[]) => op(x, spec, keepdim) };
};

export const sum = defineOp(
  { name: 'sum', doc: 'sum over axes (all by default), keepdim optional', kernels: ['sum'], differentiable: true, domain: (d, op) => reduceDomain(op)(d) },
  (x: Tensor, axes?: Axes, keepdim: boolean = false) => {
    const r = reducedShape('sum', x, axes);
    const [kept] = runKernel('sum', 'sum', [x], [{ shape: r.kept }]);
    return { out: finish(kept, r.axes, keepdim), backward: (g) => [spread(g, r, x)] };
  },
);

export const mean = defineOp(
  { name: 'mean', doc: 'mean over axes (all by default), keepdim optional', kernels: ['sum', 'mul'], differentiable: true, domain: (d, op) => reduceDomain(op)(d) },
  (x: Tensor, axes?: Axes, keepdim: boolean = false) => {
    const r = reducedShape('mean', x, axes);
    const total = sum(x, r.axes, keepdim);
    const out = mul(total, 1 / r.count);
    total.dispose();
    return { out, backward: (g) => [spread(mul(g, 1 / r.count), r, x)] };
  },
);

export const max = defineOp(
  {
    name: 'max', doc: 'max over axes; the gradient is shared equally among tied maxima', kernels: ['max', 'eq', 'div'],
    differentiable: true, domain: (d, op) => reduceDomain(op, true)(d),
  },
  (x: Tensor, axes?: Axes, keepdim: boolean = false) => {
    const r = reducedShape('max', x, axes);
    if (r.count === 0) throw new Error(`max: cannot reduce over an empty axis (shape ${fmt(x.shape)}, axes [${r.axes.join(', ')}])`);
    const [kept] = runKernel('max', 'max', [x], [{ shape: r.kept }]);
    const backward = (g: Tensor) => {
      const isMax = eq(x, kept);
      const ties = sum(isMax, r.axes, true);
      return [mul(spread(g, r, x), div(isMax, ties))];
    };
    return keepdim ? { out: kept, backward } : { out: reshape(kept, kept.shape.filter((_, a) => !r.axes.includes(a))), backward, saved: [kept] };
  },
);
