// The fused RWKVMambaHybrid recurrence (ops/recurrence-hybrid.ts, kernels/cpu/hybrid-scan.ts): values
// and gradients equal the autograd composition of primitive ops over random sizes, chunked runs with a
// carried state equal one full run, long sequences stay finite, bad shapes give clear errors.
// (The finite-difference gradcheck over the op's domain runs in gradients.test.ts.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { forAllCases } from '../../src/testing/property.ts';
import type { Draw, Tensor } from '../../src/index.ts';

const t = suite('hybridScan (RWKVMambaHybrid recurrence)');

/** The spec's loop over t, written with primitive ops: slice, mul, add, sub, matmul, stack. */
function composed(u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: { h: Tensor; s: Tensor } | null): Tensor {
  const [batch, T, channels] = u.shape;
  const N = A.shape[0];
  let h = state?.h ?? I.zeros([batch, channels], { dtype: u.dtype });
  let s = state?.s ?? I.zeros([batch, N], { dtype: u.dtype });
  const oneMinusW = I.sub(1, w);
  const ys: Tensor[] = [];
  for (let k = 0; k < T; k++) {
    const ut = I.reshape(I.slice(u, 1, k, k + 1), [batch, channels]);
    h = I.add(I.mul(w, h), I.mul(oneMinusW, ut)); // h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t
    s = I.add(I.matmul(s, I.transpose(A)), I.matmul(ut, I.transpose(B))); // s_t = A s_{t−1} + B u_t (rows)
    ys.push(I.add(I.matmul(s, I.transpose(C)), I.mul(D, h))); // y_t = C s_t + D ⊙ h_t
  }
  return I.stack(ys, 1);
}

/** Random float64 inputs: [u, w, A, B, C, D] and, half the time, [h0, s0]. */
function draw(d: Draw, maxT = 8): Tensor[] {
  const withState = d.bool(); // first on the tape, so short tapes vary it too
  const [batch, T, C, N] = [d.int(1, 3), d.int(1, maxT), d.int(1, 5), d.int(1, 4)];
  const params = [d.tensor([batch, T, C], -2, 2), d.tensor([C], -0.2, 1.2), d.tensor([N, N], -0.5 / N, 0.5 / N),
    d.tensor([N, C], -1, 1), d.tensor([C, N], -1, 1), d.tensor([C], -1, 1)];
  return withState ? [...params, d.tensor([batch, C], -1, 1), d.tensor([batch, N], -1, 1)] : params;
}

const stateOf = (xs: readonly Tensor[]) => (xs.length === 8 ? { h: xs[6], s: xs[7] } : null);
const fused = (xs: readonly Tensor[]) => I.hybridScan(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], stateOf(xs));
const reference = (xs: readonly Tensor[]) => composed(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], stateOf(xs));

/** Value and gradients (w.r.t. every input, under a fixed random output weighting) of fn. */
function valueAndGrads(fn: (xs: readonly Tensor[]) => Tensor, inputs: readonly Tensor[]): number[][] {
  const out = fn(inputs);
  const weights = I.randn(out.shape, { dtype: out.dtype, generator: new I.Generator(11) });
  I.sum(I.mul(out, weights)).backward();
  const result = [Array.from(out.data()), ...inputs.map((x) => Array.from(x.grad!.data()))];
  inputs.forEach((x) => { x.grad!.dispose(); x.grad = null; });
  return result;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

const NAMES = ['value', 'u', 'w', 'A', 'B', 'C', 'D', 'h0', 's0'];

t('values and gradients equal the autograd composition of primitive ops (float64, random sizes)', () => {
  forAllCases((d) => ({ inputs: draw(d), run: fused }), (c) => {
    const a = valueAndGrads(fused, c.inputs), b = valueAndGrads(reference, c.inputs);
    assert.is(a.length, b.length);
    a.forEach((arr, k) => assertClose(arr, b[k], 1e-10, `hybridScan ${NAMES[k]}`));
  }, { numRuns: 40 });
});

t('float32 agrees with float64', () => {
  I.scope(() => {
    const g = new I.Generator(3);
    const shapes = [[2, 20, 6], [6], [4, 4], [4, 6], [6, 4], [6]];
    const lo = [-2, 0, -0.1, -1, -1, -1], hi = [2, 1, 0.1, 1, 1, 1];
    const xs64 = shapes.map((s, i) => I.rand(s, { dtype: 'float64', low: lo[i], high: hi[i], generator: g, requiresGrad: true }));
    const xs32 = xs64.map((x) => { const y = I.toDType(I.detach(x), 'float32'); y.requiresGrad = true; return y; });
    const a = valueAndGrads(fused, xs64), b = valueAndGrads(fused, xs32);
    a.forEach((arr, k) => assertClose(b[k], arr, 1e-4, `float32 ${NAMES[k]}`));
  });
});

t('two chunks with the carried state equal one full run (hybridScanWithState)', () => {
  forAllCases((d) => ({ inputs: draw(d, 10).slice(0, 6), run: fused }), (c) => {
    const [u, w, A, B, C, D] = c.inputs;
    const T = u.shape[1];
    const full = I.hybridScanWithState(u, w, A, B, C, D, null);
    // Same as the differentiable op, and the returned state is the last h_t, s_t.
    assertClose(full.y.data(), I.noGrad(() => I.hybridScan(u, w, A, B, C, D)).data(), 1e-14, 'y');
    for (const k of [0, Math.floor(T / 2), T]) {
      const first = I.hybridScanWithState(I.slice(u, 1, 0, k), w, A, B, C, D, null);
      const second = I.hybridScanWithState(I.slice(u, 1, k, T), w, A, B, C, D, first.state);
      assertClose(I.concat([first.y, second.y], 1).data(), full.y.data(), 1e-12, `chunks split at ${k}: y`);
      assertClose(second.state.h.data(), full.state.h.data(), 1e-12, `split at ${k}: final h`);
      assertClose(second.state.s.data(), full.state.s.data(), 1e-12, `split at ${k}: final s`);
      // The differentiable op with the carried state gives the same second chunk.
      assertClose(I.hybridScan(I.slice(u, 1, k, T), w, A, B, C, D, first.state).data(), second.y.data(), 1e-14, `op with state at ${k}`);
    }
    assert.not.ok(full.y.requiresGrad, 'hybridScanWithState records no graph');
  }, { numRuns: 25 });
});

t('long sequences (T = 2000, w = 0.999, stable A) stay finite, and h follows 1 − wᵗ', () => {
  I.scope(() => {
    const [batch, T, C, N] = [2, 2000, 8, 6];
    const g = new I.Generator(5);
    const u = I.ones([batch, T, C], { requiresGrad: true });
    const w = I.full([C], 0.999, { requiresGrad: true });
    const A = I.rand([N, N], { low: -0.9 / N, high: 0.9 / N, generator: g, requiresGrad: true }); // ‖A‖∞ < 0.9
    const B = I.rand([N, C], { low: -1, high: 1, generator: g, requiresGrad: true });
    const C0 = I.zeros([C, N], { requiresGrad: true });
    const D = I.ones([C], { requiresGrad: true });
    const y = I.hybridScan(u, w, A, B, C0, D); // with C = 0 and D = 1, y_t = h_t = 1 − 0.999ᵗ
    const ys = y.data();
    for (const k of [0, 99, 999, 1999]) assert.ok(Math.abs(ys[k * C] - (1 - 0.999 ** (k + 1))) < 1e-4, `h at t=${k + 1}: ${ys[k * C]}`);
    I.sum(I.hybridScan(u, w, A, B, I.full([C, N], 0.1), D)).backward();
    for (const [name, p] of Object.entries({ u, w, A, B, D })) {
      assert.ok(p.grad!.data().every(Number.isFinite), `gradient of ${name} is finite`);
    }
    // Σ_t h_t with h_t = 1 − wᵗ: ∂/∂u of every step is bounded by the total weight on it (≤ 1 + ...), never blowing up.
    assert.ok(Math.max(...Array.from(u.grad!.data()).map(Math.abs)) < 1e4);
  });
});

t('gradients flow into the carried state and match the composition', () => {
  I.scope(() => {
    const g = new I.Generator(9);
    const [batch, T, C, N] = [2, 5, 3, 2];
    const mk = (s: number[], lo: number, hi: number) => I.rand(s, { dtype: 'float64', low: lo, high: hi, generator: g, requiresGrad: true });
    const xs = [mk([batch, T, C], -1, 1), mk([C], 0, 1), mk([N, N], -0.4, 0.4), mk([N, C], -1, 1), mk([C, N], -1, 1), mk([C], -1, 1), mk([batch, C], -1, 1), mk([batch, N], -1, 1)];
    const a = valueAndGrads(fused, xs), b = valueAndGrads(reference, xs);
    assert.ok(a[7].some((v) => v !== 0) && a[8].some((v) => v !== 0), 'state gradients are non-zero');
    a.forEach((arr, k) => assertClose(arr, b[k], 1e-12, NAMES[k]));
  });
});

t('T = 0 gives an empty output and passes the state through', () => {
  I.scope(() => {
    const [batch, C, N] = [2, 3, 2];
    const h = I.rand([batch, C]), s = I.rand([batch, N]);
    const r = I.hybridScanWithState(I.zeros([batch, 0, C]), I.ones([C]), I.zeros([N, N]), I.zeros([N, C]), I.zeros([C, N]), I.ones([C]), { h, s });
    assert.equal(r.y.shape, [batch, 0, C]);
    assert.equal(Array.from(r.state.h.data()), Array.from(h.data()));
    assert.equal(Array.from(r.state.s.data()), Array.from(s.data()));
  });
});

t('bad shapes and dtypes give errors naming the op and the shapes', () => {
  I.scope(() => {
    const [C, N] = [4, 3];
    const ok = { u: I.zeros([2, 5, C]), w: I.zeros([C]), A: I.zeros([N, N]), B: I.zeros([N, C]), C: I.zeros([C, N]), D: I.zeros([C]) };
    const run = (o: Partial<typeof ok>, state: { h: Tensor; s: Tensor } | null = null) => {
      const x = { ...ok, ...o };
      return () => I.hybridScan(x.u, x.w, x.A, x.B, x.C, x.D, state);
    };
    assert.throws(run({ u: I.zeros([5, C]) }), /hybridScan: u must have shape \[B, T, C\] \(batch, time, channels\), got \[5, 4\]/);
    assert.throws(run({ A: I.zeros([N, N + 1]) }), /hybridScan: A must be a square matrix \[N, N\] \(N = d_state\), got \[3, 4\]/);
    assert.throws(run({ w: I.zeros([C + 1]) }), /hybridScan: w must have shape \[C\] = \[4\] for u \[2, 5, 4\] and A \[3, 3\] \(B=2, T=5, C=4, N=3\), got \[5\]/);
    assert.throws(run({ B: I.zeros([C, N]) }), /hybridScan: B must have shape \[N, C\] = \[3, 4\] .*got \[4, 3\]/);
    assert.throws(run({ C: I.zeros([N, C]) }), /hybridScan: C must have shape \[C, N\] = \[4, 3\] .*got \[3, 4\]/);
    assert.throws(run({ D: I.zeros([1, C]) }), /hybridScan: D must have shape \[C\] = \[4\] .*got \[1, 4\]/);
    assert.throws(run({}, { h: I.zeros([1, C]), s: I.zeros([2, N]) }), /hybridScan: state.h must have shape \[B, C\] = \[2, 4\] .*got \[1, 4\]/);
    assert.throws(run({}, { h: I.zeros([2, C]), s: I.zeros([2, N + 1]) }), /hybridScan: state.s must have shape \[B, N\] = \[2, 3\] .*got \[2, 4\]/);
    assert.throws(run({ D: I.zeros([C], { dtype: 'float64' }) }), /hybridScan: inputs have different dtypes/);
    assert.throws(run({ u: I.zeros([2, 5, C], { dtype: 'int32' }) }), /hybridScan: u has dtype int32/);
    assert.throws(() => I.hybridScanWithState(ok.u, ok.w, ok.A, ok.B, I.zeros([C]), ok.D, null), /hybridScanWithState: C must have shape \[C, N\]/);
  });
});

t('strided (non-contiguous) inputs give the same result as contiguous copies', () => {
  I.scope(() => {
    const g = new I.Generator(4);
    const [batch, T, C, N] = [2, 4, 3, 2];
    const uT = I.rand([T, batch, C], { dtype: 'float64', generator: g }); // u as a permuted view
    const At = I.rand([N, N], { dtype: 'float64', low: -0.4, high: 0.4, generator: g });
    const rest = [I.rand([C], { dtype: 'float64', generator: g }), I.rand([N, C], { dtype: 'float64', generator: g }), I.rand([C, N], { dtype: 'float64', generator: g }), I.rand([C], { dtype: 'float64', generator: g })];
    const u = I.transpose(uT, 0, 1), A = I.transpose(At);
    const a = I.hybridScan(u, rest[0], A, rest[1], rest[2], rest[3]).data();
    const b = I.hybridScan(I.contiguous(u), rest[0], I.contiguous(A), rest[1], rest[2], rest[3]).data();
    assertClose(a, b, 0, 'strided vs contiguous');
  });
});

t('no tensors leak: forward + backward inside a scope leaves the live count flat', () => {
  const g = new I.Generator(1);
  const params = [[3], [2, 2], [2, 3], [3, 2], [3]].map((s) => I.rand(s, { dtype: 'float64', low: -0.3, high: 0.3, generator: g, requiresGrad: true }));
  const step = () => I.scope(() => {
    const u = I.rand([2, 4, 3], { dtype: 'float64', generator: g });
    I.sum(I.hybridScan(u, params[0], params[1], params[2], params[3], params[4])).backward();
    for (const p of params) { p.grad?.dispose(); p.grad = null; }
  });
  step();
  const before = I.memory('cpu');
  for (let i = 0; i < 5; i++) step();
  const after = I.memory('cpu');
  assert.equal(after, before);
  for (const p of params) p.dispose();
});

t.run();
