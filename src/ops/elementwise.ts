// Elementwise ops. The forward math of each lives in kernels/elementwise-math.ts (shared by every
// backend); here each op gets its gradient and its test domain. Binary ops broadcast like NumPy and
// un-broadcast their gradients (sum over the axes that were stretched), the classic source of bugs.

import { BINARY_MATH, UNARY_MATH, type BinaryName, type UnaryName } from '../../kernels/elementwise-math.ts';
import { full } from '../tensor/create.ts';
import { isFloat } from '../tensor/dtype.ts';
import { broadcastShapes, fmt, sameShape, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { expectSameDType, runKernel } from './dispatch.ts';
import type { Draw, ValueOptions } from './draw.ts';
import { defineOp, type Backward } from './op.ts';
import { sum } from './reduce.ts';
import { reshape } from './view.ts';

// ---- unary ------------------------------------------------------------------------------------

/** Value ranges the gradient tests draw from: away from poles (log, sqrt at 0) and kinks (relu at 0). */
const UNARY_DOMAINS: Record<UnaryName, [number, number, ValueOptions?]> = {
  neg: [-3, 3], exp: [-3, 3], log: [0.1, 4], sqrt: [0.1, 4], tanh: [-3, 3], sigmoid: [-6, 6],
  relu: [-3, 3, { grid: 'odd' }], gelu: [-4, 4], silu: [-6, 6], softplus: [-6, 6], erf: [-3, 3],
};

function unaryOp(name: UnaryName, doc: string): (x: Tensor) => Tensor {
  const [lo, hi, values] = UNARY_DOMAINS[name];
  return defineOp(
    {
      name, doc, kernels: [name, `${name}Grad`], differentiable: true,
      domain: (d, op) => ({ inputs: [d.tensor(d.shape(0, 4), lo, hi, values)], run: ([x]) => op(x) }),
    },
    (x: Tensor) => {
      if (!isFloat(x.dtype)) throw new Error(`${name}: input has dtype ${x.dtype}; expected float32 or float64`);
      const [y] = runKernel(name, name, [x], [{ shape: x.shape }]);
      return { out: y, backward: (g) => runKernel(`${name} backward`, `${name}Grad`, [g, x, y], [{ shape: x.shape }]) };
    },
  );
}

export const neg = unaryOp('neg', '−x');
export const exp = unaryOp('exp', 'eˣ');
export const log = unaryOp('log', 'natural logarithm');
export const sqrt = unaryOp('sqrt', '√x');
export const tanh = unaryOp('tanh', 'hyperbolic tangent');
export const sigmoid = unaryOp('sigmoid', '1 / (1 + e⁻ˣ)');
export const relu = unaryOp('relu', 'max(x, 0)');
export const gelu = unaryOp('gelu', 'exact GELU x·Φ(x), with erf (not the tanh approximation)');
export const silu = unaryOp('silu', 'x·σ(x) (swish)');
export const softplus = unaryOp('softplus', 'log(1 + eˣ), overflow-free');
export const erf = unaryOp('erf', 'error function');

// ---- binary -----------------------------------------------------------------------------------

/** A binary op's operand: a tensor, or a number (a scalar broadcast to the other's shape). */
export type Operand = Tensor | number;

/** Sums g over the axes along which a tensor of `shape` was broadcast, giving it that shape back. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes = g.shape.map((_, a) => a).filter((a) => a < lead || (shape[a - lead] === 1 && g.shape[a] !== 1));
  return reshape(sum(g, axes, true), shape);
}

type GradRule = (g: Tensor, a: Operand, b: Operand, y: Tensor) => Tensor;

/** `backwardKernels`: what the gradient rules dispatch to besides 'sum' (un-broadcasting). */
function binaryOp(
  name: BinaryName, doc: string, rules?: [GradRule, GradRule], domain?: (d: Draw) => [Tensor, Tensor], backwardKernels: string[] = [],
): (a: Operand, b: Operand) => Tensor {
  return defineOp(
    {
      name, doc, kernels: rules ? [...new Set([name, 'sum', ...backwardKernels])] : [name], differentiable: rules !== undefined,
      domain: rules && domain ? (d, op) => ({ inputs: domain(d), run: ([a, b]) => op(a, b) }) : undefined,
    },
    (a: Operand, b: Operand) => {
      const [ta, tb] = asTensors(name, a, b);
      const shape = broadcastShapes(name, ta.shape, tb.shape);
      const [y] = runKernel(name, name, [ta, tb], [{ shape }]);
      if (ta !== a) ta.dispose();
      if (tb !== b) tb.dispose();
      if (!rules) return { out: y };
      const backward: Backward = (g) => {
        const grads: Array<Tensor | null> = [];
        if (a instanceof Tensor) grads.push(a.requiresGrad ? unbroadcast(rules[0](g, a, b, y), a.shape) : null);
        if (b instanceof Tensor) grads.push(b.requiresGrad ? unbroadcast(rules[1](g, a, b, y), b.shape) : null);
        return grads;
      };
      return { out: y, backward };
    },
  );
}

/** Numbers become 0-d tensors of the other operand's dtype and backend. */
function asTensors(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new Error(`${op}: at least one operand must be a tensor`);
  const like = (a instanceof Tensor ? a : b) as Tensor;
  const wrap = (x: Operand) => (x instanceof Tensor ? x : full([], x, { dtype: like.dtype, backend: like.backend }));
  const pair: [Tensor, Tensor] = [wrap(a), wrap(b)];
  expectSameDType(op, pair);
  return pair;
}

const pairDomain = (lo: number, hi: number, loB = lo, hiB = hi, optsA?: ValueOptions, optsB?: ValueOptions) => (d: Draw): [Tensor, Tensor] => {
  const [sa, sb] = d.broadcastable(2);
  return [d.tensor(sa, lo, hi, optsA), d.tensor(sb, loB, hiB, optsB)];
};

export const add = binaryOp('add', 'a + b', [(g) => g, (g) => g], pairDomain(-3, 3));
export const sub = binaryOp('sub', 'a − b', [(g) => g, (g) => neg(g)], pairDomain(-3, 3), ['neg']);
export const mul = binaryOp('mul', 'a · b', [(g, _a, b) => mul(g, b), (g, a) => mul(g, a)], pairDomain(-3, 3));
export const div = binaryOp(
  'div', 'a / b',
  [(g, _a, b) => div(g, b), (g, _a, b, y) => neg(mul(g, div(y, b)))],
  pairDomain(-3, 3, 0.5, 3),
  ['mul', 'neg'],
);
export const pow = binaryOp(
  'pow', 'aᵇ (a > 0 where b is not an integer)',
  [(g, a, b) => mul(g, mul(b, pow(a, b instanceof Tensor ? sub(b, 1) : b - 1))), (g, a, _b, y) => mul(g, mul(y, log(a as Tensor)))],
  pairDomain(0.2, 3, -2, 2),
  ['mul', 'sub', 'log'],
);
// Ties send half the gradient each way, the mean of the two one-sided derivatives.
const firstWins = (a: Operand, b: Operand, cmp: typeof gt) => add(cmp(a, b), mul(eq(a, b), 0.5));
export const maximum = binaryOp(
  'maximum', 'elementwise max (ties split the gradient)',
  [(g, a, b) => mul(g, firstWins(a, b, gt)), (g, a, b) => mul(g, firstWins(b, a, gt))],
  pairDomain(-3, 3, -3, 3, { grid: 'even' }, { grid: 'odd' }),
  ['gt', 'eq', 'add', 'mul'],
);
export const minimum = binaryOp(
  'minimum', 'elementwise min (ties split the gradient)',
  [(g, a, b) => mul(g, firstWins(a, b, lt)), (g, a, b) => mul(g, firstWins(b, a, lt))],
  pairDomain(-3, 3, -3, 3, { grid: 'even' }, { grid: 'odd' }),
  ['lt', 'eq', 'add', 'mul'],
);
export const eq = binaryOp('eq', '1 where a = b else 0 (no gradient)');
export const ne = binaryOp('ne', '1 where a ≠ b else 0 (no gradient)');
export const lt = binaryOp('lt', '1 where a < b else 0 (no gradient)');
export const le = binaryOp('le', '1 where a ≤ b else 0 (no gradient)');
export const gt = binaryOp('gt', '1 where a > b else 0 (no gradient)');
export const ge = binaryOp('ge', '1 where a ≥ b else 0 (no gradient)');

// ---- selection --------------------------------------------------------------------------------

/** cond ? a : b elementwise (cond nonzero means true), all three broadcast together. */
export const where = defineOp(
  {
    name: 'where', doc: 'cond ? a : b, broadcasting', kernels: ['where', 'sum'], differentiable: true,
    domain: (d, where) => {
      const [sc, sa, sb] = d.broadcastable(3);
      const cond = d.ids(sc, 2);
      return { inputs: [d.tensor(sa, -3, 3), d.tensor(sb, -3, 3)], run: ([a, b]) => where(cond, a, b) };
    },
  },
  (cond: Tensor, a: Operand, b: Operand) => {
    const [ta, tb] = asTensors('where', a, b);
    const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
    const [y] = runKernel('where', 'where', [cond, ta, tb], [{ shape }], {}, ta.dtype);
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
    const backward: Backward = (g) => {
      const grads: Array<Tensor | null> = [null];
      if (a instanceof Tensor) grads.push(a.requiresGrad ? unbroadcast(where(cond, g, 0), a.shape) : null);
      if (b instanceof Tensor) grads.push(b.requiresGrad ? unbroadcast(where(cond, 0, g), b.shape) : null);
      return grads;
    };
    return { out: y, backward };
  },
);

/** x with `value` wherever mask is nonzero (e.g. −Infinity above the diagonal for causal attention). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (!sameShape(shape, x.shape)) throw new Error(`maskedFill: mask ${fmt(mask.shape)} must broadcast to the input's shape ${fmt(x.shape)}`);
  return where(mask, value, x);
}
