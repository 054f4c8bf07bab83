// The forward cases of the unary and binary elementwise ops (forward-cases.ts has the others): the
// value ranges and operand sides each op is drawn with, inside its domain. UNARY and BINARY also give
// forward.test.ts the ops to run on special values.
import {
  neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge,
  type Draw,
} from '../../src/index.ts';
import * as R from './reference.ts';
import { EXACT, type CaseFn } from './forward-harness.ts';
import { arg, broadcastable, ids, input, integers, mapInput, materialize, refOf, shapeOf, show, type Input } from './forward-inputs.ts';

export const UNARY = { neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf } as const;
export type UnaryName = keyof typeof UNARY;
/** Value ranges: wider than the gradient tests' (no kinks or poles to avoid here), inside each op's domain. */
const UNARY_RANGE: Record<UnaryName, [number, number]> = {
  neg: [-5, 5], exp: [-10, 10], log: [1e-3, 50], sqrt: [0, 50], tanh: [-10, 10], sigmoid: [-30, 30],
  relu: [-3, 3], gelu: [-8, 8], silu: [-30, 30], softplus: [-40, 40], erf: [-7, 7],
};

export function unaryCase(name: UnaryName): CaseFn {
  return (d) => {
    const [lo, hi] = UNARY_RANGE[name];
    // The grid option puts exact zeros (relu's kink, erf's and tanh's odd point) among the values.
    const x = input(d, shapeOf(d, 0, 4), lo, hi, d.int(0, 3) === 0 ? { grid: 'even' } : undefined);
    return { desc: `${name}(${show(x)})`, run: (dt) => UNARY[name](materialize(x, dt)), reference: () => R[name](x.ref) };
  };
}

export const BINARY = { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge } as const;
export type BinaryName = keyof typeof BINARY;
type Side = (d: Draw, shape: readonly number[]) => Input;

const uniform = (lo: number, hi: number): Side => (d, s) => input(d, s, lo, hi);
/** Values on the 0.05 grid: exact ties between operands (and no float32 rounding flips of comparisons). */
const grid = (lo: number, hi: number): Side => (d, s) => input(d, s, lo, hi, { grid: 'odd' });
/** |v| in [0.25, 4], either sign: divisors away from 0. */
const awayFromZero: Side = (d, s) => mapInput(input(d, s, -1, 1), (v) => Math.sign(v) * (0.25 + 3.75 * Math.abs(v)));

/** Operand value sides per op, as alternatives (one pair is picked per case). */
const BINARY_SIDES: Record<BinaryName, Array<[Side, Side]>> = {
  add: [[uniform(-3, 3), uniform(-3, 3)]],
  sub: [[uniform(-3, 3), uniform(-3, 3)]],
  mul: [[uniform(-3, 3), uniform(-3, 3)]],
  div: [[uniform(-3, 3), awayFromZero]],
  // positive bases with real exponents; any nonzero base with integer exponents
  pow: [[uniform(0.2, 3), uniform(-2, 2)], [grid(-2, 2), (d, s) => integers(d, s, -3, 3)]],
  maximum: [[uniform(-3, 3), uniform(-3, 3)], [grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  minimum: [[uniform(-3, 3), uniform(-3, 3)], [grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  eq: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  ne: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  lt: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  le: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  gt: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
  ge: [[grid(-0.5, 0.5), grid(-0.5, 0.5)]],
};
const COMPARISONS = new Set<BinaryName>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

export function binaryCase(name: BinaryName): CaseFn {
  return (d) => {
    const [sa, sb] = broadcastable(d, 2);
    const [sideA, sideB] = d.pick(BINARY_SIDES[name]);
    // Comparisons also run on int32 operands (they have int32 kernels).
    const intMode = COMPARISONS.has(name) && d.int(0, 3) === 0;
    const side = (s: Side, shape: number[]) => (intMode ? ids(d, shape, 4) : s(d, shape));
    // One case in three, one operand is a plain number.
    const mode = d.int(0, 5);
    const a: Input | number = mode === 0 ? side(sideA, []).ref.data[0] : side(sideA, sa);
    const b: Input | number = mode === 1 ? side(sideB, []).ref.data[0] : side(sideB, sb);
    return {
      desc: `${name}(${show(a)}, ${show(b)})`,
      run: (dt) => BINARY[name](arg(a, dt), arg(b, dt)),
      reference: () => R[name](refOf(a), refOf(b)),
      outDType: intMode ? 'int32' : undefined,
      tol32: COMPARISONS.has(name) ? EXACT : undefined,
    };
  };
}
