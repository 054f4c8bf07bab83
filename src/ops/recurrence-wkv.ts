// The RWKV-v4 WKV recurrence of open-i3's RWKVTimeMix (spec ../shared/spec/i3-architecture.md §4.2)
// as one fused op. Per channel, w = −exp(timeDecay), u = timeFirst (the bonus, applied to the PAST):
//   wkv_t = (Σ_{i<t} e^{u+(t−1−i)w+k_i} v_i + e^{k_t} v_t) / (Σ_{i<t} e^{u+(t−1−i)w+k_i} + e^{k_t} + 1e-8·e^{o_t})
// computed with the max trick (state aa, bb, pp; pp starts at −1e30), o_t the output step's max.
// The kernels (forward and the hand-written backward through time) are in kernels/cpu/wkv.ts, the
// derivation in docs/derivations/wkv.md. Shapes: k, v (B,T,C), timeDecay, timeFirst (C), state
// aa, bb, pp (B,C) → (B,T,C). Glossary: B batch, T time, C channels.

import { noGrad } from '../autograd/grad-mode.ts';
import { fmt, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { expectDType, expectSameDType, runKernel, type OutputSpec } from './dispatch.ts';
import type { Draw } from './draw.ts';
import { defineOp } from './op.ts';
import { contiguous } from './view.ts';

/**
 * The WKV state after a sequence, per (batch, channel): aa and bb are the numerator and denominator
 * sums divided by e^pp, pp the running max exponent (−1e30 before the first token).
 */
export interface WkvState {
  aa: Tensor;
  bb: Tensor;
  pp: Tensor;
}

/** Checks shapes and dtypes; errors name the op, the offending tensor, its shape and the expected one. */
function validate(op: string, k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, state: readonly (Tensor | null | undefined)[]): [number, number, number] {
  if (k.ndim !== 3) throw new Error(`${op}: k must have shape [B, T, C] (batch, time, channels), got ${fmt(k.shape)}`);
  const [B, T, C] = k.shape;
  if (!sameShape(v.shape, k.shape)) throw new Error(`${op}: v must have the shape of k ${fmt(k.shape)}, got ${fmt(v.shape)}`);
  const expect = (name: string, t: Tensor, shape: readonly number[], dims: string) => {
    if (!sameShape(t.shape, shape)) throw new Error(`${op}: ${name} must have shape ${dims} = ${fmt(shape)} for k ${fmt(k.shape)}, got ${fmt(t.shape)}`);
  };
  expect('timeDecay', timeDecay, [C], '[C]');
  expect('timeFirst', timeFirst, [C], '[C]');
  const given = state.filter((s) => s != null).length;
  if (given !== 0 && given !== 3) throw new Error(`${op}: the state needs all of aa, bb and pp (each [B, C] = ${fmt([B, C])}), got ${given} of them`);
  const names = ['state.aa', 'state.bb', 'state.pp'];
  if (given === 3) state.forEach((s, i) => expect(names[i], s!, [B, C], '[B, C]'));
  expectDType(op, k, ['float32', 'float64'], 'k');
  expectSameDType(op, [k, v, timeDecay, timeFirst, ...(given === 3 ? (state as Tensor[]) : [])]);
  return [B, T, C];
}

/** Runs the forward kernel on contiguous views; with `steps`, also returns the per-step states the backward needs. */
function forward(op: string, inputs: readonly Tensor[], [B, T, C]: [number, number, number], steps: boolean): Tensor[] {
  const seq: OutputSpec = { shape: [B, T, C] }, last: OutputSpec = { shape: [B, C] };
  return runKernel(op, 'wkv', inputs, [seq, last, last, last, ...(steps ? [seq, seq, seq] : [])]);
}

/** Random test inputs: small sizes; decays from w ≈ −3e-4 (timeDecay −8) to w ≈ −4.5 (timeDecay 1.5); sometimes a state. */
function wkvDomain(d: Draw, op: (...args: never[]) => Tensor) {
  const B = d.int(1, 2), T = d.int(1, 6), C = d.int(1, 3);
  const inputs = [d.tensor([B, T, C], -3, 3), d.tensor([B, T, C], -3, 3), d.tensor([C], -8, 1.5), d.tensor([C], -2, 2)];
  // A state as the recurrence leaves it: aa any sign, bb > 0 (a sum of positive weights), pp a log-scale.
  if (d.bool()) inputs.push(d.tensor([B, C], -2, 2), d.tensor([B, C], 0.2, 2), d.tensor([B, C], -3, 3));
  const run = op as unknown as (k: Tensor, v: Tensor, td: Tensor, tf: Tensor, aa?: Tensor, bb?: Tensor, pp?: Tensor) => Tensor;
  return { inputs, run: (xs: readonly Tensor[]) => run(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6]) };
}

/** The op as the table sees it: the state travels as three positional tensors (or none) so autograd sees them. */
const wkvOp = defineOp(
  {
    name: 'wkv', doc: 'RWKV-v4 WKV recurrence (open-i3 form: bonus u on past tokens, +1e-8), max-shifted, fused forward and BPTT',
    kernels: ['wkv', 'wkvBackward'], differentiable: true, domain: wkvDomain,
  },
  (k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, aa?: Tensor | null, bb?: Tensor | null, pp?: Tensor | null) => {
    const dims = validate('wkv', k, v, timeDecay, timeFirst, [aa, bb, pp]);
    const [B, T, C] = dims;
    const hasState = aa != null;
    const params = [k, v, timeDecay, timeFirst].map((t) => contiguous(t));
    const state = hasState ? [aa, bb!, pp!].map((t) => contiguous(t)) : [];
    const [y, aaLast, bbLast, ppLast, aaSeq, bbSeq, ppSeq] = forward('wkv', [...params, ...state], dims, true);
    for (const t of [aaLast, bbLast, ppLast, ...state]) t.dispose();
    return {
      out: y,
      saved: [...params, aaSeq, bbSeq, ppSeq],
      backward: (g) => {
        const gc = contiguous(g);
        const seq = { shape: [B, T, C] }, chan = { shape: [C] }, last = { shape: [B, C] };
        const grads = runKernel('wkv backward', 'wkvBackward', [gc, ...params, aaSeq, bbSeq, ppSeq],
          [seq, seq, chan, chan, ...(hasState ? [last, last, last] : [])]);
        gc.dispose();
        return grads;
      },
    };
  },
);

/**
 * The WKV recurrence over a whole sequence: (B,T,C) from k, v (B,T,C), timeDecay and timeFirst (C)
 * (w = −exp(timeDecay) is taken inside). The state starts at aa = bb = 0, pp = −1e30 unless `state`
 * { aa, bb, pp } (each (B,C)) is given. Differentiable w.r.t. k, v, timeDecay, timeFirst and the state.
 */
export function wkv(k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, state: WkvState | null = null): Tensor {
  return state ? wkvOp(k, v, timeDecay, timeFirst, state.aa, state.bb, state.pp) : wkvOp(k, v, timeDecay, timeFirst);
}

/**
 * For generation (recurrent inference): runs the recurrence from `state` (the initial one when null)
 * and returns the output with the state after the last step, to pass to the next call. Chunks chained
 * this way give exactly the output of one run over the whole sequence. Runs under noGrad: nothing is
 * recorded, no gradient flows (train with `wkv`).
 */
export function wkvWithState(
  k: Tensor, v: Tensor, timeDecay: Tensor, timeFirst: Tensor, state: WkvState | null,
): { y: Tensor; state: WkvState } {
  return noGrad(() => {
    const stateList = state ? [state.aa, state.bb, state.pp] : [];
    const dims = validate('wkvWithState', k, v, timeDecay, timeFirst, stateList);
    for (const t of [k, v, timeDecay, timeFirst, ...stateList]) t.assertAlive('wkvWithState');
    const inputs = [k, v, timeDecay, timeFirst, ...stateList].map((t) => contiguous(t));
    const [y, aa, bb, pp] = forward('wkvWithState', inputs, dims, false);
    for (const t of inputs) t.dispose();
    return { y, state: { aa, bb, pp } };
  });
}
