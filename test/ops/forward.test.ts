// Forward values of every op in the op table against the naive float64 references in ./reference.ts,
// over random shapes (size-1 and size-0 dims, broadcasting, negative axes, optional arguments left out)
// and random memory layouts of the inputs (offset, permuted and step-2 strided storage, with NaN junk in
// the gaps so a kernel that reads the wrong element shows it). Then float32 against float64 on the same
// cases, strided views against contiguous copies, special values, and dropout's statistics.
//
// Cases are drawn through the Draw interface on fast-check (as the gradient property tests are) with a
// fixed seed, so CI is deterministic; set I3_SEED to explore, and a failure prints its seed and path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  OP_TABLE, Tensor, tensor, scope, noGrad, Generator, toDType, contiguous, transpose, slice, expand,
  neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where,
  sum, mean, max, reshape, permute, concat, matmul, indexSelect, softmax, logSoftmax, crossEntropy, layerNorm, dropout,
  hybridScan, wkv,
  type Draw, type DType, type FloatDType, type TypedArray, type ValueOptions,
} from '../../src/index.ts';
import { tapeDraw } from '../../src/testing/draw.ts';
import { defaultSeed } from '../../src/testing/property.ts';
import * as R from './reference.ts';
import { ref, scalar, sizeOf, type Ref, type AxesArg } from './reference.ts';

const t = suite('op forward values (property, naive float64 reference)');

const RUNS = 25;

// ---- running cases ----------------------------------------------------------------------------

/**
 * Runs `body` on `numRuns` cases. Each case reads its choices from a tape of random naturals (as the
 * gradient property tests do, src/testing/draw.ts); a failing case shrinks by shortening the tape and
 * lowering its numbers, i.e. toward the first alternative of every choice. The tape is long enough
 * that a case never runs out of it before shrinking. Tensors created by a case are disposed after it.
 */
function forAllDraws(body: (d: Draw) => void, numRuns = RUNS): void {
  // Unbiased: fast-check's default bias toward 0 and the maximum would skew every `v % n` choice.
  const tape = fc.noBias(fc.array(fc.nat({ max: 0x7fffffff }), { minLength: 300, maxLength: 600 }));
  fc.assert(
    fc.property(tape, (choices) => {
      inputStorage.length = 0;
      noGrad(() => scope(() => body(tapeDraw(choices))));
    }),
    { numRuns, seed: defaultSeed(), includeErrorInReport: true },
  );
}

interface Tol { abs: number; rel: number }
const F64: Tol = { abs: 1e-12, rel: 1e-10 };
/** For results that are sums whose order differs between the engine and the reference. */
const F64_SUMS: Tol = { abs: 1e-12, rel: 1e-9 };
const F32: Tol = { abs: 1e-4, rel: 1e-4 };
const EXACT: Tol = { abs: 0, rel: 0 };

/** A drawn case: how to run the op in a dtype, and what it should give. */
interface Case {
  /** The call, for failure messages. */
  desc: string;
  run(dtype: FloatDType): Tensor;
  /** The expected float64 result (absent for dropout, which has `check` instead). */
  reference?: () => Ref;
  /** An extra or replacement check of the float64 result; returns a problem or null. */
  check?: (out: Tensor) => string | null;
  /** The result's dtype when it does not follow the run's dtype (casts, int32 comparisons). */
  outDType?: DType;
  tol?: Tol;
  tol32?: Tol;
}

/** null when `got` matches `want` (same shape; each element within abs + rel·|want|, NaN matching NaN). */
function compare(got: Tensor, want: Ref, tol: Tol): string | null {
  if (got.shape.join() !== want.shape.join()) return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  const data = got.data();
  for (let i = 0; i < data.length; i++) {
    const g = data[i], w = want.data[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w))) {
      return `element ${i} (index [${R.unravel(i, want.shape).join(', ')}]) is ${g}, expected ${w} (diff ${Math.abs(g - w)})`;
    }
  }
  return null;
}

const asRef = (x: Tensor): Ref => ref(x.shape, x.data());

// ---- inputs in random memory layouts ---------------------------------------------------------------

/**
 * How an input's values sit in storage: plain row-major; row-major after some junk (size-1 axes get
 * stride 0); stored in a permuted axis order (a transposed view); or at every other position along an
 * axis (a step-2 slice). Built with the Tensor constructor, not with view ops, so a broken view op
 * cannot hide a broken kernel.
 */
type Layout =
  | { kind: 'contiguous' }
  | { kind: 'offset'; pad: number }
  | { kind: 'permuted'; perm: number[] }
  | { kind: 'stepped'; axis: number; phase: number };

interface Input { ref: Ref; layout: Layout; int: boolean }

function drawPerm(d: Draw, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = d.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function drawLayout(d: Draw, shape: readonly number[]): Layout {
  const k = d.int(0, 4);
  if (k === 1) return { kind: 'offset', pad: d.int(1, 3) };
  if (k === 2 && shape.length >= 2) return { kind: 'permuted', perm: drawPerm(d, shape.length) };
  if (k === 3 && shape.length >= 1) return { kind: 'stepped', axis: d.int(0, shape.length - 1), phase: d.int(0, 1) };
  return { kind: 'contiguous' };
}

function layoutName(l: Layout): string {
  switch (l.kind) {
    case 'contiguous': return '';
    case 'offset': return ` offset ${l.pad}`;
    case 'permuted': return ` stored as permute(${l.perm.join(',')})`;
    case 'stepped': return ` step-2 view on axis ${l.axis}`;
  }
}

const rowMajor = (shape: readonly number[]) => {
  const s = new Array<number>(shape.length);
  for (let a = shape.length - 1, n = 1; a >= 0; n *= shape[a], a--) s[a] = n;
  return s;
};

/** The input as an engine tensor of `dtype` (int inputs stay int32) in its drawn layout. */
function materialize(x: Input, dtype: FloatDType): Tensor {
  const { shape, data } = x.ref;
  const junk = x.int ? 2 ** 30 : NaN;
  let stored: Float64Array, strides: number[], offset = 0;
  const l = x.layout;
  if (l.kind === 'offset') {
    stored = new Float64Array(l.pad + data.length + 2).fill(junk);
    stored.set(data, l.pad);
    strides = rowMajor(shape).map((s, a) => (shape[a] === 1 ? 0 : s));
    offset = l.pad;
  } else if (l.kind === 'permuted') {
    const p = R.permute(x.ref, l.perm);
    stored = p.data;
    const st = rowMajor(p.shape);
    strides = new Array<number>(shape.length);
    l.perm.forEach((a, j) => (strides[a] = st[j]));
  } else if (l.kind === 'stepped') {
    const big = shape.map((n, a) => (a === l.axis ? 2 * n + 1 : n));
    stored = new Float64Array(sizeOf(big)).fill(junk);
    for (let i = 0; i < data.length; i++) {
      const idx = R.unravel(i, shape);
      idx[l.axis] = 2 * idx[l.axis] + l.phase;
      stored[R.ravel(idx, big)] = data[i];
    }
    const st = rowMajor(big);
    strides = st.map((s, a) => (a === l.axis ? 2 * s : s));
    offset = l.phase * st[l.axis];
  } else {
    stored = data;
    strides = rowMajor(shape);
  }
  let base = tensor(stored, { dtype: x.int ? 'int32' : 'float64', shape: [stored.length] });
  if (!x.int && dtype === 'float32') base = toDType(base, 'float32');
  const held = base.storage.data as TypedArray;
  inputStorage.push({ data: held, before: held.slice() });
  return new Tensor(base.storage, shape, strides, offset);
}

/** The storage of every input materialized for the current case, with a copy taken before the op ran. */
const inputStorage: Array<{ data: TypedArray; before: TypedArray }> = [];

/** null when no op of the case wrote into an input's storage (junk included). */
function inputsUnchanged(): string | null {
  for (const [k, { data, before }] of inputStorage.entries()) {
    for (let i = 0; i < data.length; i++) {
      if (!Object.is(data[i], before[i])) return `the storage of input ${k} was written at position ${i}: ${before[i]} became ${data[i]}`;
    }
  }
  return null;
}

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;
const show = (x: Input | number) => (typeof x === 'number' ? String(x) : `${x.int ? 'int32' : 'x'}${fmtShape(x.ref.shape)}${layoutName(x.layout)}`);
const arg = (x: Input | number, dtype: FloatDType): Tensor | number => (typeof x === 'number' ? x : materialize(x, dtype));
const refOf = (x: Input | number): Ref => (typeof x === 'number' ? scalar(x) : x.ref);

// ---- drawing shapes and values -------------------------------------------------------------------

/** A dim in [1, max], or 0 one time in sixteen when zeros are allowed. */
const dim = (d: Draw, max: number, zeros = true) => (zeros && d.int(0, 15) === 15 ? 0 : d.int(1, max));

function shapeOf(d: Draw, minRank: number, maxRank: number, maxDim = 4, zeros = true): number[] {
  return Array.from({ length: d.int(minRank, maxRank) }, () => dim(d, maxDim, zeros));
}

/** Shapes that broadcast together: each drops leading dims of a common shape and has some 1s. */
function broadcastable(d: Draw, count: number, minRank = 0, maxRank = 4, zeros = true): number[][] {
  const full = shapeOf(d, minRank, maxRank, 4, zeros);
  return Array.from({ length: count }, () => full.slice(d.int(0, full.length)).map((s) => (d.int(0, 2) === 0 ? 1 : s)));
}

function values(d: Draw, shape: readonly number[], lo: number, hi: number, options?: ValueOptions): Ref {
  return ref(shape, d.tensor(shape, lo, hi, options).data());
}

function input(d: Draw, shape: readonly number[], lo: number, hi: number, options?: ValueOptions): Input {
  return { ref: values(d, shape, lo, hi, options), layout: drawLayout(d, shape), int: false };
}

function ids(d: Draw, shape: readonly number[], n: number): Input {
  return { ref: ref(shape, d.ids(shape, n).data()), layout: drawLayout(d, shape), int: true };
}

/** Float input holding integers in [lo, hi]. */
function integers(d: Draw, shape: readonly number[], lo: number, hi: number): Input {
  const v = d.ids(shape, hi - lo + 1).data();
  return { ref: ref(shape, Array.from(v, (k) => k + lo)), layout: drawLayout(d, shape), int: false };
}

/** Data for the data-movement ops: float values, or (one case in five) int32 values, which they also move. */
const data = (d: Draw, shape: readonly number[]): Input => (d.int(0, 4) === 4 ? ids(d, shape, 100) : input(d, shape, -3, 3));
const intOut = (...xs: Array<Input | number>): DType | undefined => (xs.some((x) => typeof x !== 'number' && x.int) ? 'int32' : undefined);

const number = (d: Draw, lo: number, hi: number, options?: ValueOptions) => values(d, [], lo, hi, options).data[0];

/** Maps an input's values (before it is materialized). */
const mapInput = (x: Input, f: (v: number) => number): Input => ({ ...x, ref: { shape: x.ref.shape, data: x.ref.data.map(f) } });

// ---- the cases, one per op ------------------------------------------------------------------------

type CaseFn = (d: Draw) => Case;

const UNARY = { neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf } as const;
type UnaryName = keyof typeof UNARY;
/** Value ranges: wider than the gradient tests' (no kinks or poles to avoid here), inside each op's domain. */
const UNARY_RANGE: Record<UnaryName, [number, number]> = {
  neg: [-5, 5], exp: [-10, 10], log: [1e-3, 50], sqrt: [0, 50], tanh: [-10, 10], sigmoid: [-30, 30],
  relu: [-3, 3], gelu: [-8, 8], silu: [-30, 30], softplus: [-40, 40], erf: [-7, 7],
};

function unaryCase(name: UnaryName): CaseFn {
  return (d) => {
    const [lo, hi] = UNARY_RANGE[name];
    // The grid option puts exact zeros (relu's kink, erf's and tanh's odd point) among the values.
    const x = input(d, shapeOf(d, 0, 4), lo, hi, d.int(0, 3) === 0 ? { grid: 'even' } : undefined);
    return { desc: `${name}(${show(x)})`, run: (dt) => UNARY[name](materialize(x, dt)), reference: () => R[name](x.ref) };
  };
}

const BINARY = { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge } as const;
type BinaryName = keyof typeof BINARY;
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

function binaryCase(name: BinaryName): CaseFn {
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

type ReduceOp = (x: Tensor, axes?: AxesArg, keepdim?: boolean) => Tensor;

function reduceCase(name: 'sum' | 'mean' | 'max', op: ReduceOp, zeros: boolean): CaseFn {
  return (d) => {
    const shape = shapeOf(d, 0, 4, 4, zeros);
    const x = input(d, shape, -3, 3);
    const r = shape.length;
    let axes: AxesArg;
    const mode = r === 0 ? d.pick([0, 2]) : d.int(0, 3);
    if (mode === 1) {
      const a = d.int(0, r - 1);
      axes = d.bool() ? a - r : a;
    } else if (mode >= 2) {
      // a subset in any order, each axis possibly negative; [] reduces nothing
      axes = drawPerm(d, r).slice(0, d.int(0, r)).map((a) => (d.bool() ? a - r : a));
    }
    const keepdim = d.pick([undefined, true, false]);
    return {
      desc: `${name}(${show(x)}, ${JSON.stringify(axes)}, ${keepdim})`,
      run: (dt) => (keepdim === undefined ? op(materialize(x, dt), axes) : op(materialize(x, dt), axes, keepdim)),
      reference: () => R[name](x.ref, axes, keepdim ?? false),
    };
  };
}

/** Small prime factors of n (n itself if it has none below 8). */
function factors(n: number): number[] {
  const out: number[] = [];
  for (const p of [2, 3, 5, 7]) while (n > 1 && n % p === 0) (out.push(p), (n /= p));
  if (n > 1 || out.length === 0) out.push(n);
  return out;
}

function layerNormTolerance(shift: number): Tol {
  // float32: rounding x (|x| ≤ 3 + shift) moves x̂ by up to |Δx|/√eps ≈ 316·|Δx|, times |weight| ≤ 2.
  return { abs: 2e-3 * (1 + shift / 10), rel: 1e-3 };
}

const CASES: Record<string, CaseFn> = {
  ...Object.fromEntries((Object.keys(UNARY) as UnaryName[]).map((n) => [n, unaryCase(n)])),
  ...Object.fromEntries((Object.keys(BINARY) as BinaryName[]).map((n) => [n, binaryCase(n)])),

  where: (d) => {
    const [sc, sa, sb] = broadcastable(d, 3);
    // cond: int32 0/1, or float with exact zeros (any nonzero, negative included, is true)
    const cond = d.int(0, 3) === 0 ? input(d, sc, -0.1, 0.1, { grid: 'even' }) : ids(d, sc, 2);
    // a and b: float, or (one case in five) int32; one of them may be a plain number
    const int = d.int(0, 4) === 4;
    const mode = d.int(0, 5);
    const side = (shape: number[]) => (int ? ids(d, shape, 7) : input(d, shape, -3, 3));
    const a: Input | number = mode === 0 ? side([]).ref.data[0] : side(sa);
    const b: Input | number = mode === 1 ? side([]).ref.data[0] : side(sb);
    return {
      desc: `where(${show(cond)}, ${show(a)}, ${show(b)})`,
      outDType: intOut(a, b),
      run: (dt) => where(materialize(cond, dt), arg(a, dt), arg(b, dt)),
      reference: () => R.where(cond.ref, refOf(a), refOf(b)),
    };
  },

  sum: reduceCase('sum', sum, true),
  mean: reduceCase('mean', mean, true), // a mean over zero elements is 0/0 = NaN in both
  max: reduceCase('max', max, false), // max over an empty axis is an error (tested elsewhere)

  reshape: (d) => {
    const shape = shapeOf(d, 0, 4);
    const x = data(d, shape);
    // Regroup the prime factors of the dims (shuffled), sprinkle 1s, maybe infer one dim with -1.
    const parts = shape.flatMap(factors);
    const order = drawPerm(d, parts.length);
    const target: number[] = [];
    for (const i of order) {
      if (target.length > 0 && d.int(0, 2) === 0) target[target.length - 1] *= parts[i];
      else target.push(parts[i]);
      if (d.int(0, 5) === 0) target.push(1);
    }
    if (target.length > 0 && !target.includes(0) && d.bool()) target[d.int(0, target.length - 1)] = -1;
    return {
      desc: `reshape(${show(x)}, ${fmtShape(target)})`,
      run: (dt) => reshape(materialize(x, dt), target),
      outDType: intOut(x),
      reference: () => R.reshape(x.ref, target),
    };
  },

  permute: (d) => {
    const shape = shapeOf(d, 0, 4);
    const x = data(d, shape);
    const dims = drawPerm(d, shape.length).map((a) => (d.bool() ? a - shape.length : a));
    return {
      desc: `permute(${show(x)}, [${dims}])`,
      run: (dt) => permute(materialize(x, dt), dims),
      outDType: intOut(x),
      reference: () => R.permute(x.ref, dims),
    };
  },

  expand: (d) => {
    const small = shapeOf(d, 0, 3).map((s) => (d.bool() ? 1 : s));
    const lead = shapeOf(d, 0, 2, 3);
    // size-1 dims grow (possibly to 0) or stay (given as 1 or -1); others are kept (as themselves or -1)
    const target = [...lead, ...small.map((s) => (s === 1 ? d.pick([1, -1, dim(d, 4)]) : d.bool() ? -1 : s))];
    const x = data(d, small);
    return {
      desc: `expand(${show(x)}, ${fmtShape(target)})`,
      run: (dt) => expand(materialize(x, dt), target),
      outDType: intOut(x),
      reference: () => R.expand(x.ref, target),
    };
  },

  slice: (d) => {
    const shape = shapeOf(d, 1, 3, 6);
    const x = data(d, shape);
    const a = d.int(0, shape.length - 1);
    const axis = d.bool() ? a - shape.length : a;
    const n = shape[a];
    const start = d.int(-n - 2, n + 2);
    const end = d.bool() ? undefined : d.int(-n - 2, n + 2);
    const step = d.pick([undefined, 1, 2, 3]);
    return {
      desc: `slice(${show(x)}, ${axis}, ${start}, ${end}, ${step})`,
      run: (dt) => (step === undefined ? slice(materialize(x, dt), axis, start, end) : slice(materialize(x, dt), axis, start, end, step)),
      outDType: intOut(x),
      reference: () => R.slice(x.ref, axis, start, end, step ?? 1),
    };
  },

  contiguous: (d) => {
    const x = data(d, shapeOf(d, 0, 4));
    return {
      desc: `contiguous(${show(x)})`,
      run: (dt) => contiguous(materialize(x, dt)),
      outDType: intOut(x),
      reference: () => R.contiguous(x.ref),
      check: (out) => (out.isContiguous ? null : `result is not contiguous (strides [${out.strides}])`),
    };
  },

  toDType: (d) => {
    const shape = shapeOf(d, 0, 3);
    const target = d.pick(['float32', 'float64', 'int32'] as const);
    // Float sources on the odd 0.05 grid: never within 0.05 of an integer, so float32 rounding cannot
    // change the int32 truncation.
    const x = d.int(0, 3) === 0 ? ids(d, shape, 50) : input(d, shape, -60, 60, { grid: 'odd' });
    return {
      desc: `toDType(${show(x)}, ${target})`,
      run: (dt) => toDType(materialize(x, dt), target),
      reference: () => R.toDType(x.ref, target),
      outDType: target,
      tol: EXACT,
      tol32: target === 'int32' ? EXACT : F32,
    };
  },

  concat: (d) => {
    const rank = d.int(1, 3);
    const shape = shapeOf(d, rank, rank);
    // the axis left out (0), given as is, or given negative
    const how = d.int(0, 2);
    const a = how === 0 ? 0 : d.int(0, rank - 1);
    const axis = how === 0 ? undefined : how === 1 ? a : a - rank;
    const int = d.int(0, 4) === 4;
    const xs = Array.from({ length: d.int(1, 4) }, () => {
      const s = shape.map((n, i) => (i === a ? dim(d, 3) : n));
      return int ? ids(d, s, 100) : input(d, s, -3, 3);
    });
    return {
      desc: `concat([${xs.map(show).join(', ')}], ${axis})`,
      run: (dt) => (axis === undefined ? concat(xs.map((x) => materialize(x, dt))) : concat(xs.map((x) => materialize(x, dt)), axis)),
      outDType: intOut(...xs),
      reference: () => R.concat(xs.map((x) => x.ref), a),
    };
  },

  matmul: (d) => {
    const [M, K, N] = [dim(d, 7), dim(d, 7), dim(d, 7)];
    const [ba, bb] = broadcastable(d, 2, 0, 3);
    const sa = d.int(0, 4) === 0 ? [K] : [...ba, M, K];
    const sb = d.int(0, 4) === 0 ? [K] : [...bb, K, N];
    const [a, b] = [input(d, sa, -2, 2), input(d, sb, -2, 2)];
    return {
      desc: `matmul(${show(a)}, ${show(b)})`,
      run: (dt) => matmul(materialize(a, dt), materialize(b, dt)),
      reference: () => R.matmul(a.ref, b.ref),
      tol: F64_SUMS,
    };
  },

  indexSelect: (d) => {
    const rank = d.int(1, 3);
    const shape = shapeOf(d, rank, rank);
    const a = d.int(0, rank - 1);
    shape[a] = d.int(1, 5);
    const x = data(d, shape);
    const idx = ids(d, shapeOf(d, 0, 2, 4), shape[a]);
    const axis = d.bool() ? a - rank : a;
    return {
      desc: `indexSelect(${show(x)}, ${axis}, ${show(idx)} = [${Array.from(idx.ref.data)}])`,
      run: (dt) => indexSelect(materialize(x, dt), axis, materialize(idx, dt)),
      outDType: intOut(x),
      reference: () => R.indexSelect(x.ref, axis, idx.ref),
    };
  },

  softmax: (d) => rowCase(d, 'softmax', softmax),
  logSoftmax: (d) => rowCase(d, 'logSoftmax', logSoftmax),

  crossEntropy: (d) => {
    const rows = shapeOf(d, 0, 2, 3);
    const V = d.int(1, 6);
    const shift = d.pick([0, 0, 300]);
    const logits = mapInput(input(d, [...rows, V], -5, 5), (v) => v + shift);
    // ignoreIndex: left out (-100), out of range (V, -1), or a real class (its rows are skipped).
    const ignoreIndex = d.pick([undefined, V, -1, d.int(0, V - 1)]);
    const targets = ids(d, rows, V);
    if (ignoreIndex !== undefined) {
      targets.ref.data.forEach((_, i) => {
        if (d.int(0, 3) === 0) targets.ref.data[i] = ignoreIndex;
      });
    }
    const options = ignoreIndex === undefined ? undefined : { ignoreIndex };
    return {
      desc: `crossEntropy(${show(logits)} + ${shift}, ${show(targets)} = [${Array.from(targets.ref.data)}], ${JSON.stringify(options)})`,
      run: (dt) => crossEntropy(materialize(logits, dt), materialize(targets, dt), options),
      reference: () => R.crossEntropy(logits.ref, targets.ref, options),
      tol: F64_SUMS,
      tol32: { abs: 1e-4 * (1 + shift), rel: 1e-4 },
    };
  },

  // Weight and bias are drawn in random layouts too: a kernel that indexed them as contiguous read NaN junk.
  layerNorm: (d) => {
    const shape = shapeOf(d, 1, 3, 6);
    const C = shape[shape.length - 1];
    const shift = d.pick([0, 0, 10]);
    // values: spread out, or on a coarse grid so that some rows are constant (variance 0)
    const x = mapInput(d.bool() ? input(d, shape, -3, 3) : input(d, shape, -0.1, 0.1, { grid: 'even' }), (v) => v + shift);
    const affine = d.bool();
    const w = affine ? input(d, [C], -2, 2) : null;
    const b = affine ? input(d, [C], -1, 1) : null;
    const eps = d.pick([undefined, 1e-5, 0.1]);
    return {
      desc: `layerNorm(${show(x)} + ${shift}, ${w ? show(w) : null}, ${b ? show(b) : null}, eps ${eps})`,
      run: (dt) => {
        const [tx, tw, tb] = [materialize(x, dt), w && materialize(w, dt), b && materialize(b, dt)];
        return eps === undefined ? (affine ? layerNorm(tx, tw, tb) : layerNorm(tx)) : layerNorm(tx, tw, tb, { eps });
      },
      reference: () => R.layerNorm(x.ref, w?.ref ?? null, b?.ref ?? null, eps ?? 1e-5),
      tol: F64_SUMS,
      tol32: layerNormTolerance(shift),
    };
  },

  // The fused recurrences (their own tests go further: chunking, long sequences, carried state).
  hybridScan: (d) => {
    const [B, T, C, N] = [d.int(1, 2), d.int(0, 5), d.int(1, 4), d.int(1, 3)];
    const u = input(d, [B, T, C], -2, 2), w = input(d, [C], 0, 1), D = input(d, [C], -1, 1);
    const A = input(d, [N, N], -0.5, 0.5), Bm = input(d, [N, C], -1, 1), Cm = input(d, [C, N], -1, 1);
    const all = [u, w, A, Bm, Cm, D];
    return {
      desc: `hybridScan(${all.map(show).join(', ')})`,
      run: (dt) => hybridScan(...(all.map((x) => materialize(x, dt)) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor])),
      reference: () => R.hybridScan(u.ref, w.ref, A.ref, Bm.ref, Cm.ref, D.ref),
      tol: F64_SUMS,
      tol32: { abs: 1e-4, rel: 1e-4 },
    };
  },

  wkv: (d) => {
    const [B, T, C] = [d.int(1, 2), d.int(0, 6), d.int(1, 3)];
    const k = input(d, [B, T, C], -3, 3), v = input(d, [B, T, C], -3, 3);
    const decay = input(d, [C], -8, 1.5), first = input(d, [C], -2, 2);
    return {
      desc: `wkv(${[k, v, decay, first].map(show).join(', ')})`,
      run: (dt) => wkv(materialize(k, dt), materialize(v, dt), materialize(decay, dt), materialize(first, dt)),
      reference: () => R.wkv(k.ref, v.ref, decay.ref, first.ref),
      tol: F64_SUMS,
      tol32: { abs: 1e-4, rel: 1e-4 },
    };
  },

  dropout: (d) => {
    const x = input(d, shapeOf(d, 0, 3, 5), -3, 3);
    const p = d.pick([0, 0.1, 0.5, 0.9, 1]);
    const training = d.pick([undefined, true, false]);
    const seed = d.int(0, 1000);
    return {
      desc: `dropout(${show(x)}, ${p}, { training: ${training}, generator: new Generator(${seed}) })`,
      // A fresh generator per run, so the float32 and float64 runs draw the same mask.
      run: (dt) => dropout(materialize(x, dt), p, { training, generator: new Generator(seed) }),
      check: (out) => R.dropoutViolation(x.ref, asRef(out), p, training ?? true),
    };
  },
};

function rowCase(d: Draw, name: 'softmax' | 'logSoftmax', op: (x: Tensor, axis?: number) => Tensor): Case {
  const shape = shapeOf(d, 1, 3, 5);
  const r = shape.length;
  const a = d.int(0, r - 1);
  const axis = d.pick([undefined, a, a - r]);
  const ax = axis === undefined ? r - 1 : a;
  // Large shifts need the max-subtraction (e^750 overflows); masked entries are -∞ except at
  // position 0 along the axis, so no lane is fully masked.
  const shift = d.pick([0, 0, 750, -750]);
  const masked = d.int(0, 3) === 0;
  const noise = values(d, shape, 0, 1);
  const x = mapInput(input(d, shape, -5, 5), (v) => v + shift);
  if (masked) x.ref.data.forEach((_, i) => {
    if (noise.data[i] < 0.4 && R.unravel(i, shape)[ax] !== 0) x.ref.data[i] = -Infinity;
  });
  return {
    desc: `${name}(${show(x)} + ${shift}${masked ? ' with -∞ entries' : ''}, ${axis})`,
    run: (dt) => (axis === undefined ? op(materialize(x, dt)) : op(materialize(x, dt), axis)),
    reference: () => R[name](x.ref, ax),
    tol: F64_SUMS,
    // float32 rounds |x| ≈ 750 by up to 3e-5, which moves e^(x − max) by that much relative.
    tol32: shift === 0 ? F32 : { abs: 1e-3, rel: 1e-3 },
  };
}

// ---- the tests ---------------------------------------------------------------------------------

t('every op in the op table has a forward case and a reference (and no others)', () => {
  const ops = [...OP_TABLE.keys()].sort();
  assert.equal(Object.keys(CASES).sort(), ops, 'forward cases');
  assert.equal(Object.keys(R.REFERENCE).sort(), ops, 'reference functions');
});

t('the reference itself: erf, pow, slices and matmul on known values', () => {
  // erf to 16 digits (A&S table 7.1 / mpmath)
  const known: Array<[number, number]> = [
    [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [2, 0.9953222650189527], [3, 0.9999779095030014], [4, 0.9999999845827421], [-1.5, -0.9661051464753108],
  ];
  for (const [x, want] of known) assert.ok(Math.abs(R.erfScalar(x) - want) < 1e-13, `erf(${x}) = ${R.erfScalar(x)}, expected ${want}`);
  assert.equal(R.powScalar(-2, 3), -8);
  assert.equal(R.powScalar(-2, -2), 0.25);
  assert.ok(Number.isNaN(R.powScalar(-2, 0.5)));
  assert.equal(R.sliceIndices(5, -2, undefined, 1), [3, 4]);
  assert.equal(R.sliceIndices(5, 1, -1, 2), [1, 3]);
  assert.equal(R.sliceIndices(5, -9, 2, 1), [0, 1]);
  assert.equal(R.sliceIndices(5, 7, undefined, 1), []);
  assert.equal(R.sliceIndices(5, 3, 1, 1), []);
  const c = R.matmul(ref([2, 2], [1, 2, 3, 4]), ref([2], [5, 6]));
  assert.equal([c.shape, Array.from(c.data)], [[2], [17, 39]]);
  const s = R.sum(ref([2, 3], [1, 2, 3, 4, 5, 6]), [0], true);
  assert.equal([s.shape, Array.from(s.data)], [[1, 3], [5, 7, 9]]);
  const sm = R.softmax(ref([2], [0, Math.log(3)])).data;
  assert.ok(Math.abs(sm[0] - 0.25) < 1e-15 && Math.abs(sm[1] - 0.75) < 1e-15, `softmax [0, ln 3] = ${sm}`);
});

for (const name of OP_TABLE.keys()) {
  const make = CASES[name];
  if (!make) continue; // reported by the coverage test above
  t(`${name} forward matches a naive float64 reference`, () => {
    forAllDraws((d) => {
      const c = make(d);
      const out = c.run('float64');
      const dtype = c.outDType ?? 'float64';
      const problem =
        inputsUnchanged() ??
        (out.dtype !== dtype ? `dtype ${out.dtype}, expected ${dtype}` : null) ??
        (c.reference ? compare(out, c.reference(), c.tol ?? F64) : null) ??
        (c.check ? c.check(out) : null);
      if (problem) throw new Error(`${c.desc}: ${problem}`);
    });
  });
}

for (const name of OP_TABLE.keys()) {
  const make = CASES[name];
  if (!make) continue;
  // Comparisons are included: their operands lie on a 0.05 grid, where float32 rounding keeps every
  // order and every tie, so the results must agree exactly.
  t(`${name} float32 agrees with float64`, () => {
    forAllDraws((d) => {
      const c = make(d);
      const y64 = c.run('float64');
      const y32 = c.run('float32');
      const dtype = c.outDType ?? 'float32';
      const problem = (y32.dtype !== dtype ? `dtype ${y32.dtype}, expected ${dtype}` : null) ?? compare(y32, asRef(y64), c.tol32 ?? F32);
      if (problem) throw new Error(`${c.desc} in float32 vs float64: ${problem}`);
    });
  });
}

// ---- strided views as kernel inputs -------------------------------------------------------------

/** Kernel-backed ops applied to a view; each result must equal the same op on contiguous(view). */
const VIEW_OPS: Array<[string, (v: Tensor, other: Tensor) => Tensor]> = [
  ['exp', (v) => exp(v)],
  ['gelu', (v) => gelu(v)],
  ['add(view, other)', (v, o) => add(v, o)],
  ['mul(other, view)', (v, o) => mul(o, v)],
  ['maximum(view, 0.5)', (v) => maximum(v, 0.5)],
  ['lt(view, other)', (v, o) => lt(v, o)],
  ['where(gt(view, 0), view, other)', (v, o) => where(gt(v, 0), v, o)],
  ['sum all', (v) => sum(v)],
  ['sum axis 0', (v) => sum(v, 0)],
  ['sum axis -1 keepdim', (v) => sum(v, -1, true)],
  ['mean axes [0, -1]', (v) => mean(v, [0, -1])],
  ['max axis 0', (v) => max(v, 0)],
  ['max axis -1', (v) => max(v, -1)],
  ['matmul(view, viewᵀ)', (v) => matmul(v, transpose(v))],
  ['matmul(viewᵀ, other)', (v, o) => matmul(transpose(v), o)],
  ['softmax axis -1', (v) => softmax(v, -1)],
  ['softmax axis 0', (v) => softmax(v, 0)],
  ['logSoftmax axis -1', (v) => logSoftmax(v, -1)],
  ['layerNorm', (v) => layerNorm(v)],
  ['indexSelect axis -1', (v) => indexSelect(v, -1, tensor([0, 0, v.shape[v.ndim - 1] - 1], { dtype: 'int32' }))],
  ['reshape to 1-D', (v) => reshape(v, [-1])],
  ['concat with itself', (v) => concat([v, v], -1)],
  ['toDType float64', (v) => toDType(v, 'float64')],
];

/** A transposed, a step-2 sliced and a stride-0 expanded view of float64/float32 data, with their values as Refs. */
function drawViews(d: Draw, dtype: FloatDType): Array<{ name: string; view: Tensor; ref: Ref }> {
  const [m, n] = [d.int(1, 5), d.int(1, 5)];
  const lead = d.bool() ? [d.int(1, 3)] : [];
  const cast = (x: Tensor) => (dtype === 'float32' ? toDType(x, 'float32') : x);
  const load = (r: Ref) => cast(tensor(r.data, { dtype: 'float64', shape: r.shape }));
  const round = (r: Ref) => (dtype === 'float32' ? R.toDType(r, 'float32') : r);

  const xt = round(values(d, [...lead, n, m], -3, 3));
  const dims = xt.shape.map((_, i) => i);
  [dims[dims.length - 2], dims[dims.length - 1]] = [dims[dims.length - 1], dims[dims.length - 2]];
  const big = round(values(d, [...lead, 2 * m + 1, n], -3, 3));
  const start = d.int(0, 1);
  const small = round(values(d, [...lead.map(() => 1), m, 1], -3, 3));
  return [
    { name: 'transposed', view: transpose(load(xt)), ref: R.permute(xt, dims) },
    { name: `step-2 slice from ${start}`, view: slice(load(big), -2, start, undefined, 2), ref: R.slice(big, -2, start, undefined, 2) },
    { name: 'expanded (stride 0)', view: expand(load(small), [...lead, m, n]), ref: R.expand(small, [...lead, m, n]) },
  ];
}

for (const dtype of ['float64', 'float32'] as const) {
  t(`${dtype} kernels on transposed, step-2 sliced and expanded (stride 0) views equal the results on contiguous copies`, () => {
    const tol = dtype === 'float64' ? { abs: 1e-12, rel: 1e-12 } : { abs: 1e-6, rel: 1e-6 };
    forAllDraws((d) => {
      for (const { name, view, ref: want } of drawViews(d, dtype)) {
        const copy = contiguous(view);
        const p = compare(copy, want, EXACT);
        if (p) throw new Error(`contiguous(${name} view ${fmtShape(view.shape)}): ${p}`);
        const other = dtype === 'float32' ? toDType(tensor(values(d, view.shape, -3, 3).data, { dtype: 'float64', shape: view.shape }), 'float32')
          : tensor(values(d, view.shape, -3, 3).data, { dtype: 'float64', shape: view.shape });
        for (const [opName, f] of VIEW_OPS) {
          const problem = compare(f(view, other), asRef(f(copy, other)), tol);
          if (problem) throw new Error(`${opName} on a ${name} view ${fmtShape(view.shape)} (strides [${view.strides}]) vs its contiguous copy: ${problem}`);
        }
      }
    }, 15);
  });
}

// A regression test: the layerNorm kernel indexes weight and bias as contiguous arrays, so the op must
// pass contiguous copies of views (it once passed the views themselves and read past them: NaN).
t('layerNorm reads strided (step-2 sliced) and expanded (stride-0) weight and bias views', () => {
  scope(() => {
    const x = tensor([[1, 2, 4], [-1, 0, 3]], { dtype: 'float64' });
    const w = slice(tensor([2, 100, 3, 100, 0.5], { dtype: 'float64' }), 0, 0, undefined, 2); // [2, 3, 0.5], stride 2
    const b = expand(tensor([0.25], { dtype: 'float64' }), [3]); // [0.25, 0.25, 0.25], stride 0
    const want = R.layerNorm(asRef(x), ref([3], [2, 3, 0.5]), ref([3], [0.25, 0.25, 0.25]));
    for (const [what, weight, bias] of [
      ['strided weight', w, contiguous(b)], ['expanded bias', contiguous(w), b], ['both', w, b],
    ] as const) {
      const problem = compare(layerNorm(x, weight, bias), want, F64_SUMS);
      assert.ok(problem === null, `layerNorm with ${what}: ${problem}`);
    }
  });
});

// ---- special values ----------------------------------------------------------------------------------

const SPECIAL = [0, -0, 1e-300, -1e-300, 1e-8, -1e-8, 0.5, -0.5, 3, -3, 20, -20, 40, -40, 700, -700, Infinity, -Infinity, NaN];

t('unary ops on special values (±0, tiny, huge, ±∞, NaN) match the reference', () => {
  for (const name of Object.keys(UNARY) as UnaryName[]) {
    // x·Φ(x) and x·σ(x) at -∞ are -∞·0: neither side asserts a convention there.
    const xs = name === 'gelu' || name === 'silu' ? SPECIAL.filter(Number.isFinite).concat(NaN) : SPECIAL;
    scope(() => {
      const problem = compare(UNARY[name](tensor(xs, { dtype: 'float64' })), R[name](ref([xs.length], xs)), F64);
      assert.ok(problem === null, `${name}: ${problem} (inputs ${xs})`);
    });
  }
});

t('binary ops on special values (±0, ±∞, NaN) match the reference', () => {
  const vs = [0, -0, 1, -1, 0.5, 2, -2, 3, Infinity, -Infinity, NaN];
  for (const name of Object.keys(BINARY) as BinaryName[]) {
    // pow's conventions at infinite operands (JavaScript's Math.pow) are not asserted.
    const xs = name === 'pow' ? vs.filter((v) => Math.abs(v) !== Infinity) : vs;
    scope(() => {
      const a = ref([xs.length, 1], xs), b = ref([xs.length], xs);
      const got = BINARY[name](tensor(a.data, { shape: a.shape }), tensor(b.data, { shape: b.shape }));
      const problem = compare(got, R[name](a, b), F64);
      assert.ok(problem === null, `${name}: ${problem} (a = column ${xs}, b = row ${xs})`);
    });
  }
});

t('reductions propagate NaN and ±∞ like the reference', () => {
  const x = ref([3, 3], [1, NaN, 3, -Infinity, -Infinity, 2, Infinity, 5, -Infinity]);
  for (const axes of [undefined, 0, 1, [0, 1]] as AxesArg[]) {
    scope(() => {
      const tx = tensor(x.data, { shape: x.shape });
      for (const [name, op] of [['sum', sum], ['mean', mean], ['max', max]] as const) {
        const problem = compare(op(tx, axes), R[name](x, axes), F64);
        assert.ok(problem === null, `${name}(x, ${JSON.stringify(axes)}): ${problem}`);
      }
    });
  }
});

// ---- dropout ----------------------------------------------------------------------------------------

t('dropout keeps about 1−p of a large tensor, scales kept values by 1/(1−p), and is reproducible from its seed', () => {
  scope(() => {
    const n = 200_000;
    const x = tensor(new Float64Array(n).fill(1), { dtype: 'float64' });
    for (const p of [0.1, 0.5, 0.9]) {
      const y = dropout(x, p, { generator: new Generator(7) }).data();
      const kept = y.filter((v) => v !== 0);
      const fraction = kept.length / n;
      const sigma = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(fraction - (1 - p)) < 5 * sigma, `p = ${p}: kept fraction ${fraction}, expected ${1 - p} ± ${5 * sigma}`);
      assert.ok(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-12), `p = ${p}: kept values are not 1/(1−p)`);
      const again = dropout(x, p, { generator: new Generator(7) }).data();
      assert.ok(again.every((v, i) => v === y[i]), `p = ${p}: the same seed gave a different mask`);
      const other = dropout(x, p, { generator: new Generator(8) }).data();
      assert.ok(other.some((v, i) => v !== y[i]), `p = ${p}: a different seed gave the same mask`);
    }
  });
});

t('dropout is the identity with training off or p = 0, and zeroes everything with p = 1', () => {
  scope(() => {
    const x = tensor([[1.5, -2], [3, 0.25]], { dtype: 'float64' });
    assert.equal(dropout(x, 0.5, { training: false }).toArray(), x.toArray());
    assert.equal(dropout(x, 0).toArray(), x.toArray());
    assert.ok(Array.from(dropout(x, 1).data()).every((v) => v === 0));
  });
});

t.run();
