// The forward cases, one per op in the op table: each draws the op's arguments (shapes, values, memory
// layouts, axes, optional arguments left out) and says how to run it in a dtype and what it should
// give, from the naive float64 references in ./reference.ts. The unary and binary ops' cases are built
// in forward-cases-elementwise.ts.
import {
  Tensor, Generator, toDType, contiguous, slice, expand,
  sum, mean, max, reshape, permute, concat, matmul, indexSelect, softmax, logSoftmax, crossEntropy, layerNorm, dropout,
  hybridScan, wkv, where,
  type Draw,
} from '../../src/index.ts';
import * as R from './reference.ts';
import { type AxesArg } from './reference.ts';
import { EXACT, F32, F64_SUMS, asRef, type Case, type CaseFn, type Tol } from './forward-harness.ts';
import { BINARY, UNARY, binaryCase, unaryCase, type BinaryName, type UnaryName } from './forward-cases-elementwise.ts';
import {
  arg, data, dim, drawPerm, ids, input, intOut, mapInput, materialize, refOf, shapeOf, show, values, broadcastable, fmtShape,
  type Input,
} from './forward-inputs.ts';

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

export const CASES: Record<string, CaseFn> = {
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
