// The RWKVMambaHybrid recurrence (spec ../shared/spec/i3-architecture.md §3.2) as one fused op:
//   h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t,   s_t = A s_{t−1} + B u_t,   y_t = C s_t + D ⊙ h_t
// with h_0 = s_0 = 0 unless a state { h, s } is carried in. The kernels (forward and the hand-written
// backward through time) are in kernels/cpu/hybrid-scan.ts; the derivation in docs/derivations/hybrid-scan.md.
// Shapes: u (B,T,C), w (C) (w_mix, used raw: no clamp), A (N,N), B (N,C), C (C,N), D (C),
// state.h (B,C), state.s (B,N) → y (B,T,C). Glossary: B batch, T time, C channels, N state size.

import { noGrad } from '../autograd/grad-mode.ts';
import { tensor, zeros } from '../tensor/create.ts';
import { fmt, sameShape, type Shape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { expectDType, expectSameDType, runKernel } from './dispatch.ts';
import type { Draw } from './draw.ts';
import { defineOp } from './op.ts';
import { contiguous } from './view.ts';

/** The recurrent state after a sequence: h (B,C) the EMA, s (B,N) the state-space vector. */
export interface HybridScanState {
  h: Tensor;
  s: Tensor;
}

interface Dims { batch: number; T: number; C: number; N: number }

/** Checks every shape and dtype; errors name the op, the offending tensor, its shape and the expected one. */
function validate(op: string, u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: readonly Tensor[]): Dims {
  if (u.ndim !== 3) throw new Error(`${op}: u must have shape [B, T, C] (batch, time, channels), got ${fmt(u.shape)}`);
  if (A.ndim !== 2 || A.shape[0] !== A.shape[1]) throw new Error(`${op}: A must be a square matrix [N, N] (N = d_state), got ${fmt(A.shape)}`);
  const [batch, T, channels] = u.shape;
  const N = A.shape[0];
  const where = `for u ${fmt(u.shape)} and A ${fmt(A.shape)} (B=${batch}, T=${T}, C=${channels}, N=${N})`;
  const expect = (name: string, t: Tensor, shape: Shape, dims: string) => {
    if (!sameShape(t.shape, shape)) throw new Error(`${op}: ${name} must have shape ${dims} = ${fmt(shape)} ${where}, got ${fmt(t.shape)}`);
  };
  expect('w', w, [channels], '[C]');
  expect('B', B, [N, channels], '[N, C]');
  expect('C', C, [channels, N], '[C, N]');
  expect('D', D, [channels], '[C]');
  if (state.length !== 0 && state.length !== 2) throw new Error(`${op}: state must be [h, s] or absent, got ${state.length} tensors`);
  if (state.length === 2) {
    expect('state.h', state[0], [batch, channels], '[B, C]');
    expect('state.s', state[1], [batch, N], '[B, N]');
  }
  const all = [u, w, A, B, C, D, ...state];
  expectDType(op, u, ['float32', 'float64'], 'u');
  expectSameDType(op, all);
  return { batch, T, C: channels, N };
}

/** The forward kernel on contiguous inputs: y, every h_t and s_t, and the final state. */
function scan(op: string, params: readonly Tensor[], h0: Tensor, s0: Tensor, { batch, T, C, N }: Dims): Tensor[] {
  return runKernel(op, 'hybridScan', [...params, h0, s0], [
    { shape: [batch, T, C] }, { shape: [batch, T, C] }, { shape: [batch, T, N] }, { shape: [batch, C] }, { shape: [batch, N] },
  ]);
}

/** Contiguous views (free when already contiguous) of the parameters and of the initial state (zeros when absent). */
function prepare(u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: readonly Tensor[], dims: Dims) {
  const params = [u, w, A, B, C, D].map((t) => contiguous(t));
  const [h0, s0] = state.length === 2
    ? state.map((t) => contiguous(t))
    : [zeros([dims.batch, dims.C], { dtype: u.dtype, backend: u.backend }), zeros([dims.batch, dims.N], { dtype: u.dtype, backend: u.backend })];
  return { params, h0, s0 };
}

/** Random test inputs: small sizes, w near 0, near 1 and beyond, A scaled to spectral radius ≤ r ∈ {0.5, 0.9, 0.99}. */
function hybridDomain(d: Draw, op: (...args: never[]) => Tensor) {
  // The discrete choices come first on the tape, so short tapes (small cases) still vary them.
  const withState = d.bool();
  const [wLo, wHi] = d.pick([[0, 0.05], [0.95, 1], [0.1, 0.9], [-0.2, 1.2]] as const);
  const r = d.pick([0.5, 0.9, 0.99]);
  const batch = d.int(1, 2), T = d.int(1, 6), C = d.int(1, 4), N = d.int(1, 3);
  const u = d.tensor([batch, T, C], -2, 2);
  const w = d.tensor([C], wLo, wHi);
  // Spectral radius ≤ max row sum of |A| = r (= r exactly when N = 1): stable, sometimes barely.
  const raw = d.tensor([N, N], -1, 1);
  const values = Array.from(raw.data());
  raw.dispose();
  const rowSum = Math.max(...Array.from({ length: N }, (_, i) => values.slice(i * N, i * N + N).reduce((p, q) => p + Math.abs(q), 0)));
  const A = tensor(values.map((v) => (v * r) / rowSum), { dtype: 'float64', shape: [N, N], requiresGrad: true });
  const params = [u, w, A, d.tensor([N, C], -1, 1), d.tensor([C, N], -1, 1), d.tensor([C], -1, 1)];
  const state = withState ? [d.tensor([batch, C], -1, 1), d.tensor([batch, N], -1, 1)] : [];
  const run = op as unknown as (u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: readonly Tensor[]) => Tensor;
  return { inputs: [...params, ...state], run: (xs: readonly Tensor[]) => run(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs.slice(6)) };
}

/** The op as the table sees it: the state travels as a tensor list [h, s] (or []) so autograd sees both tensors. */
const hybridScanOp = defineOp(
  {
    name: 'hybridScan', doc: 'RWKVMambaHybrid recurrence h = w⊙h + (1−w)⊙u, s = As + Bu, y = Cs + D⊙h (fused forward and BPTT)',
    kernels: ['hybridScan', 'hybridScanBackward'], differentiable: true, domain: hybridDomain,
  },
  (u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: readonly Tensor[] = []) => {
    const dims = validate('hybridScan', u, w, A, B, C, D, state);
    const { params, h0, s0 } = prepare(u, w, A, B, C, D, state, dims);
    const [y, hs, ss, hLast, sLast] = scan('hybridScan', params, h0, s0, dims);
    hLast.dispose();
    sLast.dispose();
    return {
      out: y,
      saved: [...params, h0, s0, hs, ss],
      backward: (g) => {
        const gc = contiguous(g);
        const { batch, T, C: ch, N } = dims;
        const grads = runKernel('hybridScan backward', 'hybridScanBackward', [gc, ...params, h0, s0, hs, ss], [
          { shape: [batch, T, ch] }, { shape: [ch] }, { shape: [N, N] }, { shape: [N, ch] }, { shape: [ch, N] }, { shape: [ch] },
          { shape: [batch, ch] }, { shape: [batch, N] },
        ]);
        gc.dispose();
        if (state.length === 2) return grads;
        grads[6].dispose();
        grads[7].dispose();
        return grads.slice(0, 6);
      },
    };
  },
);

/**
 * The RWKVMambaHybrid recurrence over a whole sequence: y (B,T,C) from u (B,T,C) and the parameters
 * w (C), A (N,N), B (N,C), C (C,N), D (C). The state starts at zero unless `state` { h (B,C), s (B,N) }
 * is given. Differentiable w.r.t. u, every parameter and the state tensors.
 */
export function hybridScan(u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: HybridScanState | null = null): Tensor {
  return hybridScanOp(u, w, A, B, C, D, state ? [state.h, state.s] : []);
}

/**
 * For generation (recurrent inference): runs the recurrence from `state` (zeros when null) and returns
 * y with the state after the last step, to pass to the next call. Chunks chained this way give exactly
 * the y of one run over the whole sequence. Runs under noGrad: nothing is recorded, no gradient flows
 * (train with `hybridScan`).
 */
export function hybridScanWithState(
  u: Tensor, w: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, state: HybridScanState | null,
): { y: Tensor; state: HybridScanState } {
  return noGrad(() => {
    const stateList = state ? [state.h, state.s] : [];
    for (const t of [u, w, A, B, C, D, ...stateList]) t.assertAlive('hybridScanWithState');
    const dims = validate('hybridScanWithState', u, w, A, B, C, D, stateList);
    const { params, h0, s0 } = prepare(u, w, A, B, C, D, stateList, dims);
    const [y, hs, ss, h, s] = scan('hybridScanWithState', params, h0, s0, dims);
    for (const t of [...params, h0, s0, hs, ss]) t.dispose();
    return { y, state: { h, s } };
  });
}
