// The fused WKV recurrence (spec §4.2, open-i3 form) against: the autograd composition of primitive
// ops (values and gradients, with and without a given state), a naive scalar float64 loop of the
// spec's recurrence and the closed form, chunked runs with carried state, long sequences with keys far
// beyond what naive exponentials survive, and its error messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { gradcheck } from '../../src/testing/gradcheck.ts';
import { forAllCases } from '../../src/testing/property.ts';
import type { Draw, Tensor } from '../../src/index.ts';

const t = suite('wkv (RWKV-v4 recurrence, fused)');
const f64 = { dtype: 'float64' } as const;
const EPS = 1e-8;

// ---- references ------------------------------------------------------------------------------

/** The recurrence of §4.2 with primitive ops (same max shift, so autograd differentiates the same function). */
function composed(k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, state: I.WkvState | null): Tensor {
  const [B, T, C] = k.shape;
  const w = I.neg(I.exp(timeDecay)), u = timeFirst;
  let aa = state ? state.aa : I.zeros([B, C], f64);
  let bb = state ? state.bb : I.zeros([B, C], f64);
  let pp = state ? state.pp : I.full([B, C], -1e30, f64);
  const ys: Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const kt = I.squeeze(I.slice(k, 1, s, s + 1), 1), vt = I.squeeze(I.slice(v, 1, s, s + 1), 1);
    let ww = I.add(u, pp);
    let p = I.maximum(ww, kt);
    let e1 = I.exp(I.sub(ww, p)), e2 = I.exp(I.sub(kt, p));
    ys.push(I.div(I.add(I.mul(aa, e1), I.mul(vt, e2)), I.add(I.add(I.mul(bb, e1), e2), EPS)));
    ww = I.add(w, pp);
    p = I.maximum(ww, kt);
    e1 = I.exp(I.sub(ww, p));
    e2 = I.exp(I.sub(kt, p));
    aa = I.add(I.mul(aa, e1), I.mul(vt, e2));
    bb = I.add(I.mul(bb, e1), e2);
    pp = p;
  }
  return I.stack(ys, 1);
}

interface Plain { B: number; T: number; C: number; k: ArrayLike<number>; v: ArrayLike<number>; td: ArrayLike<number>; tf: ArrayLike<number>; state?: { aa: ArrayLike<number>; bb: ArrayLike<number>; pp: ArrayLike<number> } }

/** The spec's loop, verbatim, on plain JS numbers. */
function naiveLoop({ B, T, C, k, v, td, tf, state }: Plain): { y: Float64Array; aa: Float64Array; bb: Float64Array; pp: Float64Array } {
  const y = new Float64Array(B * T * C), A = new Float64Array(B * C), Bs = new Float64Array(B * C), P = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const w = -Math.exp(td[c]), u = tf[c];
      let aa = state ? state.aa[b * C + c] : 0, bb = state ? state.bb[b * C + c] : 0, pp = state ? state.pp[b * C + c] : -1e30;
      for (let s = 0; s < T; s++) {
        const i = (b * T + s) * C + c, kt = k[i], vt = v[i];
        let ww = u + pp, p = Math.max(ww, kt), e1 = Math.exp(ww - p), e2 = Math.exp(kt - p);
        y[i] = (aa * e1 + vt * e2) / (bb * e1 + e2 + 1e-8);
        ww = w + pp; p = Math.max(ww, kt); e1 = Math.exp(ww - p); e2 = Math.exp(kt - p);
        aa = aa * e1 + vt * e2; bb = bb * e1 + e2; pp = p;
      }
      A[b * C + c] = aa; Bs[b * C + c] = bb; P[b * C + c] = pp;
    }
  }
  return { y, aa: A, bb: Bs, pp: P };
}

/**
 * The closed form of §4.2 (no state), wkv_t = (Σ_{i<t} e^{u+(t−1−i)w+k_i} v_i + e^{k_t} v_t) / (Σ_{i<t} e^{u+(t−1−i)w+k_i}
 * + e^{k_t} + 1e-8·e^{o_t}) with o_t = max(u + max_{i<t}(k_i + (t−1−i)w), k_t), every exponent shifted by o_t.
 */
function closedForm(k: (i: number) => number, v: (i: number) => number, w: number, u: number, s: number): number {
  let pastMax = -Infinity;
  for (let i = 0; i < s; i++) pastMax = Math.max(pastMax, k(i) + (s - 1 - i) * w);
  const o = Math.max(u + pastMax, k(s));
  let num = Math.exp(k(s) - o) * v(s), den = Math.exp(k(s) - o) + EPS;
  for (let i = 0; i < s; i++) {
    const e = Math.exp(u + (s - 1 - i) * w + k(i) - o);
    num += e * v(i); den += e;
  }
  return num / den;
}

// ---- helpers ---------------------------------------------------------------------------------

/** Value and gradients (w.r.t. every input, under a fixed random output weighting) of fn. */
function valueAndGrads(fn: (xs: readonly Tensor[]) => Tensor, inputs: readonly Tensor[]): number[][] {
  return I.scope(() => {
    const out = fn(inputs);
    const weights = I.randn(out.shape, { dtype: out.dtype, generator: new I.Generator(11) });
    I.sum(I.mul(out, weights)).backward();
    // (an input the output does not reach, as timeDecay when T = 1, gets no gradient from the composition)
    const result = [Array.from(out.data()), ...inputs.map((x) => (x.grad ? Array.from(x.grad.data()) : Array<number>(x.size).fill(0)))];
    inputs.forEach((x) => { x.grad?.dispose(); x.grad = null; });
    return result;
  });
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, what: string, atol = rtol): void {
  assert.is(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

const stateOf = (xs: readonly Tensor[]): I.WkvState | null => (xs.length > 4 ? { aa: xs[4], bb: xs[5], pp: xs[6] } : null);

/** Random float64 inputs: k, v (B,T,C), timeDecay, timeFirst (C), and sometimes a state. */
function drawInputs(d: Draw, maxT = 6, withState?: boolean): Tensor[] {
  const B = d.int(1, 2), T = d.int(1, maxT), C = d.int(1, 3);
  const xs = [d.tensor([B, T, C], -3, 3), d.tensor([B, T, C], -3, 3), d.tensor([C], -8, 2), d.tensor([C], -2, 2)];
  if (withState ?? d.bool()) xs.push(d.tensor([B, C], -2, 2), d.tensor([B, C], 0.2, 2), d.tensor([B, C], -3, 3));
  return xs;
}

const plainOf = (xs: readonly Tensor[]): Plain => {
  const [B, T, C] = xs[0].shape;
  const [k, v, td, tf, aa, bb, pp] = xs.map((x) => x.data());
  return { B, T, C, k, v, td, tf, state: aa ? { aa, bb, pp } : undefined };
};

// ---- (a) composition of primitive ops --------------------------------------------------------

t('values and gradients equal the autograd composition of primitive ops (float64, with and without state)', () => {
  forAllCases(
    (d) => ({ inputs: drawInputs(d), run: () => I.zeros([]) }),
    (c) => {
      const fused = valueAndGrads((xs) => I.wkv(xs[0], xs[1], xs[2], xs[3], stateOf(xs)), c.inputs);
      const ref = valueAndGrads((xs) => composed(xs[0], xs[1], xs[2], xs[3], stateOf(xs)), c.inputs);
      fused.forEach((arr, i) => close(arr, ref[i], 1e-10, i === 0 ? 'value' : `gradient of input ${i - 1}`));
    },
    { numRuns: 60 },
  );
});

t('the gradient includes the 1e-8 term through the max shifts (where it matters)', () => {
  // With a carried state of large shift pp and tiny bb, ε·e^{o} is comparable with the rest of the
  // denominator, and since o = u + pp the exact function depends on pp through ε as well: the fused
  // gradient must follow it (also along the chain p' = w + p at the second step).
  const leaf = (x: number[][][] | number[][] | number[]) => I.tensor(x, { ...f64, requiresGrad: true });
  const [kv, vv, tdv, tfv, a0, b0, p0] = [2, 0.7, 0.5, 0, 1e-8, 1e-8, 20];
  const inputs = [leaf([[[kv], [1.5]]]), leaf([[[vv], [-1]]]), leaf([tdv]), leaf([tfv]), leaf([[a0]]), leaf([[b0]]), leaf([[p0]])];
  const fused = valueAndGrads((xs) => I.wkv(xs[0], xs[1], xs[2], xs[3], stateOf(xs)), inputs);
  const ref = valueAndGrads((xs) => composed(xs[0], xs[1], xs[2], xs[3], stateOf(xs)), inputs);
  fused.forEach((arr, i) => close(arr, ref[i], 1e-10, i === 0 ? 'value' : `gradient of input ${i - 1}`));
  // finite differences (eps 1e-6) cannot perturb aa, bb ≈ 1e-8 meaningfully: hold them fixed there
  const [aaC, bbC] = [I.detach(inputs[4]), I.detach(inputs[5])];
  const others = [0, 1, 2, 3, 6].map((i) => inputs[i]);
  gradcheck((xs) => I.wkv(xs[0], xs[1], xs[2], xs[3], { aa: aaC, bb: bbC, pp: xs[4] }), others, { atol: 1e-7, rtol: 1e-5 });
  // Step 0 alone: y = (e^{u+pp} a + e^k v) / (e^{u+pp} b + e^k + ε e^{u+pp}). Differentiating as if the
  // shift did not matter would give dy/dpp = e^{u+pp}(a − y·b)/D; the true one has (b + ε) for b.
  const E = Math.exp(tfv + p0), D = E * b0 + Math.exp(kv) + EPS * E, y0 = (E * a0 + Math.exp(kv) * vv) / D;
  const [dTrue, dBlind] = [(E * (a0 - y0 * (b0 + EPS))) / D, (E * (a0 - y0 * b0)) / D];
  assert.ok(Math.abs(dTrue - dBlind) > 0.1 * Math.abs(dTrue), `the ε path is a large part of dy/dpp here (${dTrue} vs ${dBlind})`);
  const one = (xs: readonly Tensor[]) => I.wkv(I.slice(xs[0], 1, 0, 1), I.slice(xs[1], 1, 0, 1), xs[2], xs[3], stateOf(xs));
  const step0 = inputs.map((x) => leaf(x.toArray() as number[]));
  I.sum(one(step0)).backward();
  close(step0[6].grad!.data(), [dTrue], 1e-12, 'dy_0/dpp');
});

// ---- (c) naive loop and closed form ----------------------------------------------------------

t('forward equals a naive scalar float64 loop of §4.2 and the closed form (final state too)', () => {
  forAllCases(
    (d) => ({ inputs: drawInputs(d, 12), run: () => I.zeros([]) }),
    (c) => {
      const xs = c.inputs, p = plainOf(xs);
      const naive = naiveLoop(p);
      const out = I.wkvWithState(xs[0], xs[1], xs[2], xs[3], stateOf(xs));
      close(out.y.data(), naive.y, 1e-15, 'y vs naive loop', 1e-15);
      close(out.state.aa.data(), naive.aa, 1e-15, 'aa', 1e-15);
      close(out.state.bb.data(), naive.bb, 1e-15, 'bb', 1e-15);
      close(out.state.pp.data(), naive.pp, 1e-15, 'pp', 1e-15);
      close(I.wkv(xs[0], xs[1], xs[2], xs[3], stateOf(xs)).data(), naive.y, 0, 'wkv vs wkvWithState', 0);
      if (p.state) return;
      const { B, T, C } = p;
      const closed = new Float64Array(B * T * C);
      for (let b = 0; b < B; b++) for (let ch = 0; ch < C; ch++) for (let s = 0; s < T; s++) {
        const at = (i: number) => (b * T + i) * C + ch;
        closed[at(s)] = closedForm((i) => p.k[at(i)], (i) => p.v[at(i)], -Math.exp(p.td[ch]), p.tf[ch], s);
      }
      close(naive.y, closed, 1e-12, 'y vs closed form', 1e-12);
    },
    { numRuns: 60 },
  );
});

t('a hand-computed case: the bonus u applies to past tokens, w = −exp(timeDecay)', () => {
  const [k0, k1, k2, v0, v1, v2, td, u] = [0.5, -0.25, 1, 2, -1, 3, 0.1, 0.7];
  const w = -Math.exp(td);
  const y = I.wkv(I.tensor([[[k0], [k1], [k2]]], f64), I.tensor([[[v0], [v1], [v2]]], f64), I.tensor([td], f64), I.tensor([u], f64)).data();
  const e = Math.exp;
  const expected = [
    v0 / (1 + EPS), // nothing in the past; o_0 = k_0, so ε·e^{o}/e^{k_0} = ε
    (e(u + k0) * v0 + e(k1) * v1) / (e(u + k0) + e(k1) + EPS * e(Math.max(u + k0, k1))),
    (e(u + w + k0) * v0 + e(u + k1) * v1 + e(k2) * v2) / (e(u + w + k0) + e(u + k1) + e(k2) + EPS * e(Math.max(u + Math.max(w + k0, k1), k2))),
  ];
  close(y, expected, 1e-14, 'y');
});

// ---- (d) chunks with carried state -----------------------------------------------------------

t('chunked runs with carried state equal one full run (float64 exactly, float32 closely; wkv with state too)', () => {
  forAllCases(
    (d) => ({ inputs: drawInputs(d, 12, false), run: () => I.zeros([]) }),
    (c) => {
      const [k, v, td, tf] = c.inputs;
      const T = k.shape[1];
      const cuts = [...new Set([0, Math.min(1, T), Math.floor(T / 2), Math.floor((2 * T) / 3), T])].sort((a, b) => a - b);
      for (const dtype of ['float64', 'float32'] as const) {
        const [kd, vd, tdd, tfd] = [k, v, td, tf].map((x) => I.toDType(I.detach(x), dtype));
        const full = I.wkvWithState(kd, vd, tdd, tfd, null);
        let state: I.WkvState | null = null;
        const ys: Tensor[] = [], ysOp: Tensor[] = [];
        for (let i = 0; i + 1 < cuts.length; i++) {
          const [kc, vc] = [kd, vd].map((x) => I.slice(x, 1, cuts[i], cuts[i + 1]));
          ysOp.push(I.wkv(kc, vc, tdd, tfd, state)); // the op with a given state computes the same values
          const out = I.wkvWithState(kc, vc, tdd, tfd, state);
          ys.push(out.y);
          state = out.state;
        }
        const tol = dtype === 'float64' ? 0 : 1e-5;
        close(I.concat(ys, 1).data(), full.y.data(), tol, `${dtype} chunked y`, tol);
        close(I.concat(ysOp, 1).data(), full.y.data(), tol, `${dtype} chunked wkv`, tol);
        for (const key of ['aa', 'bb', 'pp'] as const) close(state![key].data(), full.state[key].data(), tol, `${dtype} final ${key}`, tol);
      }
    },
    { numRuns: 30 },
  );
});

t('token-by-token generation equals the full run', () => {
  const g = new I.Generator(3);
  const [B, T, C] = [2, 9, 3];
  const k = I.randn([B, T, C], { ...f64, generator: g, std: 2 }), v = I.randn([B, T, C], { ...f64, generator: g });
  const td = I.tensor([-6, -1, 1.5], f64), tf = I.tensor([1, -1, 0.3], f64);
  const full = I.wkv(k, v, td, tf).data();
  let state: I.WkvState | null = null;
  const steps: Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const out = I.wkvWithState(I.slice(k, 1, s, s + 1), I.slice(v, 1, s, s + 1), td, tf, state);
    steps.push(out.y);
    state = out.state;
  }
  close(I.concat(steps, 1).data(), full, 0, 'y', 0);
});

// ---- (e) long sequences, huge keys -----------------------------------------------------------

t('T = 5000 with keys far beyond naive exp range: finite, equal to the closed form, gradients finite and right', () => {
  const T = 5000, C = 4;
  // decays: w ≈ −2e-9 (timeDecay −20), w ≈ −0.0067, w = −1, w = −7.39 (timeDecay 2)
  const td = [-20, -5, 0, 2], tf = [1, -2, 0.5, 2];
  for (const [dtype, kMax] of [['float32', 100], ['float64', 800]] as const) {
    const g = new I.Generator(dtype === 'float32' ? 1 : 2);
    // keys in [−kMax, kMax] (e^100 overflows float32, e^800 float64), a few at the extremes
    const kv = Array.from({ length: T * C }, (_, i) => (i % 97 === 0 ? kMax : (2 * g.uniform() - 1) * kMax));
    const kT = I.tensor(kv, { dtype, shape: [1, T, C], requiresGrad: true });
    const vT = I.randn([1, T, C], { dtype, generator: g, requiresGrad: true });
    const tdT = I.tensor(td, { dtype, requiresGrad: true }), tfT = I.tensor(tf, { dtype, requiresGrad: true });
    const y = I.wkv(kT, vT, tdT, tfT);
    const ys = y.data();
    assert.ok(ys.every(Number.isFinite), `${dtype}: every output is finite`);
    // the closed form, in float64 from the same (rounded) inputs, at sampled steps
    const [kd, vd] = [kT.data(), vT.data()];
    const ref = I.tensor(td, f64).data();
    for (let s = 0; s < T; s += s < 20 ? 1 : 331) {
      for (let c = 0; c < C; c++) {
        const expected = closedForm((i) => kd[i * C + c], (i) => vd[i * C + c], -Math.exp(ref[c]), tf[c], s);
        const tol = dtype === 'float32' ? 1e-4 : 1e-10;
        assert.ok(Math.abs(ys[s * C + c] - expected) <= tol * (1 + Math.abs(expected)), `${dtype} y[${s}, ${c}] = ${ys[s * C + c]} vs closed form ${expected}`);
      }
    }
    I.sum(I.mul(y, I.randn(y.shape, { dtype, generator: new I.Generator(5) }))).backward();
    for (const x of [kT, vT, tdT, tfT]) assert.ok(x.grad!.data().every(Number.isFinite), `${dtype}: gradients are finite`);
  }
});

t('T = 5000 float64 gradients agree with finite differences at sampled entries; float32 gradients with float64', () => {
  const T = 5000, C = 3;
  const g = new I.Generator(7);
  const kv = Array.from({ length: T * C }, () => (2 * g.uniform() - 1) * 60);
  const vv = Array.from({ length: T * C }, () => g.normal());
  const td = [-9, -2, 2], tf = [0.5, -1, 1.5];
  const weights = Array.from({ length: T * C }, () => g.normal());
  const grads = (dtype: 'float32' | 'float64') => {
    const xs = [I.tensor(kv, { dtype, shape: [1, T, C], requiresGrad: true }), I.tensor(vv, { dtype, shape: [1, T, C], requiresGrad: true }), I.tensor(td, { dtype, requiresGrad: true }), I.tensor(tf, { dtype, requiresGrad: true })];
    I.sum(I.mul(I.wkv(xs[0], xs[1], xs[2], xs[3]), I.tensor(weights, { dtype, shape: [1, T, C] }))).backward();
    return xs.map((x) => x.grad!.data());
  };
  const g64 = grads('float64'), g32 = grads('float32');
  const loss = (k: number[], v: number[], tdv: number[], tfv: number[]) => {
    const y = naiveLoop({ B: 1, T, C, k, v, td: tdv, tf: tfv }).y;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * weights[i];
    return s;
  };
  const fd = (which: number, index: number, eps = 1e-6) => {
    const args = [kv, vv, td, tf].map((a) => [...a]);
    args[which][index] += eps;
    const plus = loss(args[0], args[1], args[2], args[3]);
    args[which][index] -= 2 * eps;
    const minus = loss(args[0], args[1], args[2], args[3]);
    return (plus - minus) / (2 * eps);
  };
  const samples: [number, number][] = [[2, 0], [2, 1], [2, 2], [3, 0], [3, 1], [3, 2], [0, 5], [0, 7 * C + 1], [0, 4000 * C + 2], [1, 3], [1, 2500 * C + 1], [1, (T - 1) * C]];
  for (const [which, index] of samples) {
    const numeric = fd(which, index), analytic = g64[which][index];
    assert.ok(Math.abs(analytic - numeric) <= 1e-5 + 1e-4 * Math.abs(numeric), `input ${which}[${index}]: autograd ${analytic} vs finite differences ${numeric}`);
  }
  g64.forEach((a, i) => {
    const scale = Math.max(...Array.from(a, Math.abs));
    close(Array.from(g32[i], (x) => x / scale), Array.from(a, (x) => x / scale), 2e-4, `float32 vs float64 gradient of input ${i} (relative to its max ${scale})`, 2e-4);
  });
});

// ---- layouts, empty sequences, memory --------------------------------------------------------

t('strided inputs, float32 vs float64, and an empty sequence', () => {
  const g = new I.Generator(9);
  const kT = I.randn([3, 2, 4], { ...f64, generator: g }), vT = I.randn([2, 3, 4], { ...f64, generator: g });
  const [k, v] = [I.transpose(kT, 0, 1), vT]; // k is a strided view
  const td = I.slice(I.tensor([-1, 9, 0.5, 9, -7, 9, 1, 9], f64), 0, 0, undefined, 2), tf = I.tensor([1, 0, -1, 2], f64);
  const y = I.wkv(k, v, td, tf).data();
  close(y, I.wkv(I.contiguous(k), v, I.contiguous(td), tf).data(), 0, 'strided vs contiguous', 0);
  const y32 = I.wkv(...([k, v, td, tf].map((x) => I.toDType(x, 'float32')) as [Tensor, Tensor, Tensor, Tensor])).data();
  close(y32, y, 1e-5, 'float32 vs float64');
  const empty = I.wkvWithState(I.zeros([2, 0, 4], f64), I.zeros([2, 0, 4], f64), td, tf, null);
  assert.equal(empty.y.shape, [2, 0, 4]);
  assert.equal(Array.from(empty.state.pp.data()), Array(8).fill(-1e30));
});

t('forward + backward leave no live tensors behind', () => {
  const before = I.memory('cpu').tensors;
  I.scope(() => {
    const xs = drawFixed();
    I.sum(I.wkv(xs[0], xs[1], xs[2], xs[3], stateOf(xs))).backward();
    for (const x of xs) x.grad!.dispose(); // gradients outlive scopes
  });
  assert.is(I.memory('cpu').tensors, before);
});

function drawFixed(): Tensor[] {
  const g = new I.Generator(4);
  const r = (shape: number[]) => I.randn(shape, { ...f64, generator: g, requiresGrad: true });
  return [r([2, 5, 3]), r([2, 5, 3]), r([3]), r([3]), r([2, 3]), I.tensor([[1, 2, 0.5], [1, 1, 1]], { ...f64, requiresGrad: true }), r([2, 3])];
}

// ---- (f) errors ------------------------------------------------------------------------------

t('clear errors for bad shapes, dtypes and incomplete states', () => {
  const k = I.zeros([2, 3, 4]), c4 = I.zeros([4]), s = I.zeros([2, 4]);
  assert.throws(() => I.wkv(I.zeros([3, 4]), I.zeros([3, 4]), c4, c4), /wkv: k must have shape \[B, T, C\] \(batch, time, channels\), got \[3, 4\]/);
  assert.throws(() => I.wkv(k, I.zeros([2, 3, 5]), c4, c4), /wkv: v must have the shape of k \[2, 3, 4\], got \[2, 3, 5\]/);
  assert.throws(() => I.wkv(k, k, I.zeros([3]), c4), /wkv: timeDecay must have shape \[C\] = \[4\] for k \[2, 3, 4\], got \[3\]/);
  assert.throws(() => I.wkv(k, k, c4, I.zeros([1, 4])), /wkv: timeFirst must have shape \[C\] = \[4\] for k \[2, 3, 4\], got \[1, 4\]/);
  assert.throws(() => I.wkv(k, k, c4, c4, { aa: s, bb: s, pp: I.zeros([1, 4]) }), /wkv: state\.pp must have shape \[B, C\] = \[2, 4\] for k \[2, 3, 4\], got \[1, 4\]/);
  assert.throws(() => I.wkv(k, k, c4, c4, { aa: s, bb: s } as unknown as I.WkvState), /wkv: the state needs all of aa, bb and pp \(each \[B, C\] = \[2, 4\]\), got 2 of them/);
  assert.throws(() => I.wkvWithState(k, k, c4, c4, { aa: s, pp: s } as unknown as I.WkvState), /wkvWithState: the state needs all of aa, bb and pp/);
  assert.throws(() => I.wkv(k, k, I.zeros([4], f64), c4), /wkv: inputs have different dtypes \(float32 \[2, 3, 4\], float32 \[2, 3, 4\], float64 \[4\], float32 \[4\]\)/);
  assert.throws(() => I.wkv(I.zeros([2, 3, 4], { dtype: 'int32' }), k, c4, c4), /wkv: k has dtype int32 .*expected float32 or float64/);
  const gone = I.zeros([4]);
  gone.dispose();
  assert.throws(() => I.wkv(k, k, gone, c4), /wkv: tensor #\d+ \[4\] was disposed/);
  assert.throws(() => I.wkvWithState(k, k, c4, gone, null), /wkvWithState: tensor #\d+ \[4\] was disposed/);
});

t.run();
