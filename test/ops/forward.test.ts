// Forward values of every op in the op table against the naive float64 references in ./reference.ts,
// over random shapes (size-1 and size-0 dims, broadcasting, negative axes, optional arguments left out)
// and random memory layouts of the inputs (offset, permuted and step-2 strided storage, with NaN junk in
// the gaps so a kernel that reads the wrong element shows it). Then float32 against float64 on the same
// cases, strided views against contiguous copies, special values, and dropout's statistics.
//
// Cases are drawn through the Draw interface on fast-check (as the gradient property tests are) with a
// fixed seed, so CI is deterministic; set I3_SEED to explore, and a failure prints its seed and path.
//
// The cases are in forward-cases.ts and forward-cases-elementwise.ts, their inputs in forward-inputs.ts,
// how they run and are compared in forward-harness.ts, and the references in reference.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  OP_TABLE, Tensor, tensor, scope, Generator, toDType, contiguous, transpose, slice, expand,
  exp, gelu, add, mul, maximum, lt, gt, where,
  sum, mean, max, reshape, concat, matmul, indexSelect, softmax, logSoftmax, layerNorm, dropout,
  type Draw, type FloatDType,
} from '../../src/index.ts';
import * as R from './reference.ts';
import { ref, type Ref, type AxesArg } from './reference.ts';
import { EXACT, F32, F64, F64_SUMS, asRef, compare, forAllDraws } from './forward-harness.ts';
import { CASES } from './forward-cases.ts';
import { BINARY, UNARY, type BinaryName, type UnaryName } from './forward-cases-elementwise.ts';
import { fmtShape, inputsUnchanged, values } from './forward-inputs.ts';

const t = suite('op forward values (property, naive float64 reference)');

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
