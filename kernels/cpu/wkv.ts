// The RWKV-v4 WKV recurrence exactly as open-i3 defines it (spec ../shared/spec/i3-architecture.md §4.2),
// forward and backward side by side, every quantity kept in max-shifted ("normalised") form so that
// nothing overflows for long sequences, large keys or decays near 0. The max trick is the one of
// BlinkDL/RWKV-LM RWKV-v4/cuda/wkv_cuda.cu (kernel_forward); the backward is derived for the open-i3
// form (bonus u on the PAST tokens, + 1e-8 in the denominator), not copied from kernel_backward.
// Derivation: docs/derivations/wkv.md.
//
// Per (b, c), w = −exp(timeDecay[c]), u = timeFirst[c], ε = 1e-8, the state (a, b, p) before step t
// stands for the true sums A = a·eᵖ, B = b·eᵖ (initially a = b = 0, p = −1e30, or a given state):
//   output:  o_t = max(u + p, k_t);  e1 = e^{u+p−o_t};  e2 = e^{k_t−o_t}
//            y_t = (a·e1 + v_t·e2) / d_t,   d_t = b·e1 + e2 + ε
//   update:  p' = max(w + p, k_t);   f1 = e^{w+p−p'};   f2 = e^{k_t−p'}
//            a ← a·f1 + v_t·f2;   b ← b·f1 + f2;   p ← p'
// i.e. y_t = (e^u A_{t−1} + e^{k_t} v_t) / (e^u B_{t−1} + e^{k_t} + ε·e^{o_t}), A_t = e^w A_{t−1} + e^{k_t} v_t.
//
// Backward (BPTT, t = T−1 … 0). α, β are dL/dA_t·e^{p_t} and dL/dB_t·e^{p_t} (bounded: every factor
// below is ≤ 1), π = dL/dp_t through the ε term (the function depends on the shifts p, o only there).
// With ĝ = g_t / d_t:
//   dv_t = ĝ·e2 + α·f2
//   dk_t = ĝ·e2·(v_t − y_t) + (α·v_t + β)·f2  [+ G_o if o_t = k_t]  [+ π if p' = k_t]
//   du  += ĝ·e1·(a − y_t·b)                    [+ G_o if o_t = u + p]
//   dw  += (α·a + β·b)·f1                      [+ π if p' = w + p]
//   G_o = −ĝ·y_t·ε  (dL/do_t);   then, for the state before step t:
//   α ← α·f1 + ĝ·e1;   β ← β·f1 − ĝ·y_t·e1;   π ← [o_t = u+p]·G_o + [p' = w+p]·π
// and at t = 0: d a₀ = α, d b₀ = β, d p₀ = α·a₀ + β·b₀ + π;  dtimeDecay = dw·w, dtimeFirst = du.
//
// Layout: k, v, y (B, T, C) contiguous; the loops run b, t, c so the inner loop (forwardStep,
// backwardStep: one time step over all channels) walks channels contiguously; the per-channel state
// and adjoints live in Float64Array scratch (one allocation per call, none per step), and the
// parameter gradients accumulate in float64. Cost: two exp per element forward, two backward.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

const arr = (v: View) => v.storage.data as TypedArray;

/** The 1e-8 open-i3 adds to the denominator. */
export const WKV_EPS = 1e-8;
/** The initial running max exponent p when no state is given. */
export const WKV_PP0 = -1e30;

/** w = −exp(timeDecay) and u = timeFirst as float64 scratch. */
function params(td: View, tf: View, C: number): [Float64Array, Float64Array] {
  const tds = arr(td), tfs = arr(tf);
  const w = new Float64Array(C), u = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    w[c] = -Math.exp(tds[td.offset + c]);
    u[c] = tfs[tf.offset + c];
  }
  return [w, u];
}

/**
 * One time step of the forward over C channels: reads k, v at ko, vo, writes y at yo, updates the
 * state (aa, bb, pp) in place; with `save`, first stores the state before the step at so.
 * (A function of its own so V8 optimises the hot loop in isolation.)
 */
function forwardStep(
  ks: TypedArray, ko: number, vs: TypedArray, vo: number, ys: TypedArray, yo: number,
  aa: Float64Array, bb: Float64Array, pp: Float64Array, u: Float64Array, w: Float64Array, C: number,
  save: TypedArray[] | null, so: number,
): void {
  if (save) {
    const [as, bs, ps] = save;
    for (let c = 0; c < C; c++) {
      as[so + c] = aa[c]; bs[so + c] = bb[c]; ps[so + c] = pp[c];
    }
  }
  for (let c = 0; c < C; c++) {
    const kt = ks[ko + c], vt = vs[vo + c];
    const a = aa[c], bq = bb[c], p = pp[c];
    // output step: ww = u + p, o = max(ww, k) (one of e1, e2 is exactly 1)
    let ww = u[c] + p, e1 = 1, e2 = 1;
    if (ww > kt) e2 = Math.exp(kt - ww);
    else e1 = Math.exp(ww - kt);
    ys[yo + c] = (a * e1 + vt * e2) / (bq * e1 + e2 + WKV_EPS);
    // state update: ww = w + p, p' = max(ww, k)
    ww = w[c] + p;
    if (ww > kt) {
      const f2 = Math.exp(kt - ww);
      aa[c] = a + vt * f2; bb[c] = bq + f2; pp[c] = ww;
    } else {
      const f1 = Math.exp(ww - kt);
      aa[c] = a * f1 + vt; bb[c] = bq * f1 + 1; pp[c] = kt;
    }
  }
}

/**
 * inputs: k, v (B, T, C), timeDecay, timeFirst (C), [aa, bb, pp (B, C): the initial state];
 * outputs: y (B, T, C), aa, bb, pp (B, C) (the final state), [aaSeq, bbSeq, ppSeq (B, T, C): the state
 * before each step, for the backward; all three share one layout, as fresh contiguous outputs do].
 */
const wkv: Kernel = (inputs, outputs) => {
  const [k, v, td, tf, aa0, bb0, pp0] = inputs;
  const [y, aaOut, bbOut, ppOut, aaSeq, bbSeq, ppSeq] = outputs;
  const [B, T, C] = k.shape;
  const [w, u] = params(td, tf, C);
  const ks = arr(k), vs = arr(v), ys = arr(y);
  const save = aaSeq ? [arr(aaSeq), arr(bbSeq), arr(ppSeq)] : null;
  if (aaSeq && !(aaSeq.offset === bbSeq.offset && aaSeq.offset === ppSeq.offset)) throw new Error('wkv kernel: aaSeq, bbSeq and ppSeq must share one layout');
  const so = aaSeq ? aaSeq.offset : 0;
  const aa = new Float64Array(C), bb = new Float64Array(C), pp = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    if (aa0) {
      const a0 = arr(aa0), b0 = arr(bb0), p0 = arr(pp0);
      for (let c = 0; c < C; c++) {
        aa[c] = a0[aa0.offset + b * C + c];
        bb[c] = b0[bb0.offset + b * C + c];
        pp[c] = p0[pp0.offset + b * C + c];
      }
    } else {
      aa.fill(0); bb.fill(0); pp.fill(WKV_PP0);
    }
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * C;
      forwardStep(ks, k.offset + row, vs, v.offset + row, ys, y.offset + row, aa, bb, pp, u, w, C, save, so + row);
    }
    const aO = arr(aaOut), bO = arr(bbOut), pO = arr(ppOut);
    for (let c = 0; c < C; c++) {
      aO[aaOut.offset + b * C + c] = aa[c];
      bO[bbOut.offset + b * C + c] = bb[c];
      pO[ppOut.offset + b * C + c] = pp[c];
    }
  }
};

/**
 * One time step of the backward over C channels (t descending): reads dy, k, v at go, ko, vo and the
 * saved state before the step at so, writes dk, dv at dko, dvo, accumulates du, dw, and moves the
 * adjoints (alpha, beta, pi) from after the step to before it.
 */
function backwardStep(
  gs: TypedArray, go: number, ks: TypedArray, ko: number, vs: TypedArray, vo: number,
  as: TypedArray, bs: TypedArray, ps: TypedArray, so: number, dks: TypedArray, dko: number, dvs: TypedArray, dvo: number,
  alpha: Float64Array, beta: Float64Array, pi: Float64Array, du: Float64Array, dw: Float64Array, u: Float64Array, w: Float64Array, C: number,
): void {
  for (let c = 0; c < C; c++) {
    const kt = ks[ko + c], vt = vs[vo + c], a = as[so + c], bq = bs[so + c], p = ps[so + c];
    // output step, recomputed exactly as in the forward
    let ww = u[c] + p, e1 = 1, e2 = 1;
    const pastO = ww > kt;
    if (pastO) e2 = Math.exp(kt - ww);
    else e1 = Math.exp(ww - kt);
    const inv = 1 / (bq * e1 + e2 + WKV_EPS);
    const yt = (a * e1 + vt * e2) * inv;
    const gh = gs[go + c] * inv;
    let gk = gh * e2 * (vt - yt);
    let gv = gh * e2;
    let gu = gh * e1 * (a - yt * bq);
    const gO = -gh * yt * WKV_EPS; // dL/do_t: the only way the shift o_t enters the function
    let piPrev = 0;
    if (pastO) { gu += gO; piPrev = gO; } else gk += gO;
    // state update: adjoints α, β, π of the state after step t
    ww = w[c] + p;
    const al = alpha[c], be = beta[c], pn = pi[c];
    let f1 = 1, f2 = 1, gw = 0;
    if (ww > kt) {
      f2 = Math.exp(kt - ww);
      gw = pn; piPrev += pn; // p' = w + p
    } else {
      f1 = Math.exp(ww - kt);
      gk += pn; // p' = k_t
    }
    gv += al * f2;
    gk += (al * vt + be) * f2;
    dw[c] += gw + (al * a + be * bq) * f1;
    du[c] += gu;
    alpha[c] = al * f1 + gh * e1;
    beta[c] = be * f1 - gh * yt * e1;
    pi[c] = piPrev;
    dks[dko + c] = gk;
    dvs[dvo + c] = gv;
  }
}

/**
 * inputs: dy (B, T, C), k, v (B, T, C), timeDecay, timeFirst (C), aaSeq, bbSeq, ppSeq (B, T, C) (the
 * forward's per-step states, one layout); outputs: dk, dv (B, T, C), dtimeDecay, dtimeFirst (C),
 * [daa, dbb, dpp (B, C)]. y is recomputed from the saved state (so the op never keeps its own output alive).
 */
const wkvBackward: Kernel = (inputs, outputs) => {
  const [dy, k, v, td, tf, aaSeq, bbSeq, ppSeq] = inputs;
  const [dk, dv, dtd, dtf, daa, dbb, dpp] = outputs;
  const [B, T, C] = k.shape;
  const [w, u] = params(td, tf, C);
  if (!(aaSeq.offset === bbSeq.offset && aaSeq.offset === ppSeq.offset)) throw new Error('wkvBackward kernel: aaSeq, bbSeq and ppSeq must share one layout');
  const gs = arr(dy), ks = arr(k), vs = arr(v), as = arr(aaSeq), bs = arr(bbSeq), ps = arr(ppSeq);
  const dks = arr(dk), dvs = arr(dv);
  const alpha = new Float64Array(C), beta = new Float64Array(C), pi = new Float64Array(C);
  const dw = new Float64Array(C), du = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    alpha.fill(0); beta.fill(0); pi.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = (b * T + t) * C;
      backwardStep(gs, dy.offset + row, ks, k.offset + row, vs, v.offset + row, as, bs, ps, aaSeq.offset + row,
        dks, dk.offset + row, dvs, dv.offset + row, alpha, beta, pi, du, dw, u, w, C);
    }
    if (daa) {
      const da = arr(daa), db = arr(dbb), dp = arr(dpp);
      for (let c = 0; c < C; c++) {
        const o = b * C + c;
        // the state before step 0 is the initial state (when T = 0 nothing depends on it)
        const a0 = T > 0 ? as[aaSeq.offset + b * T * C + c] : 0, b0 = T > 0 ? bs[bbSeq.offset + b * T * C + c] : 0;
        da[daa.offset + o] = alpha[c];
        db[dbb.offset + o] = beta[c];
        dp[dpp.offset + o] = alpha[c] * a0 + beta[c] * b0 + pi[c];
      }
    }
  }
  const dtds = arr(dtd), dtfs = arr(dtf);
  for (let c = 0; c < C; c++) {
    dtds[dtd.offset + c] = dw[c] * w[c]; // dw/dtimeDecay = −exp(timeDecay) = w
    dtfs[dtf.offset + c] = du[c];
  }
};

/** The kernels 'wkv' and 'wkvBackward', for the CPU kernel table. */
export const wkvKernels = (): Record<string, Kernel> => ({ wkv, wkvBackward });
