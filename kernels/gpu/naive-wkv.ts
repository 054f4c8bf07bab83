// The RWKV-v4 WKV recurrence on the GPU, the simple way: every channel's recurrence is a scalar one
// (state a, b, p per (batch, channel)), so each thread replays its channel's recurrence itself up to the
// step it answers for. O(T) work per thread, O(B·T²·C) in all: a reference for conformance and small
// models, not the fast kernel. The formulas (max-shifted, open-i3 form) are those of kernels/cpu/wkv.ts,
// whose comments derive them; here they are the same statements in gpu.js source.
// Layout: k, v, dy (B, T, C) and the saved per-step states (B, T, C) contiguous; timeDecay, timeFirst (C).

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** Sizes and operand offsets of one WKV kernel. */
export interface WkvSpec {
  B: number; T: number; C: number;
  /** Offsets of k, v, timeDecay, timeFirst (forward) or of dy, k, v, timeDecay, timeFirst, saved states (backward). */
  offsets: Record<string, number>;
  /** Forward: whether an initial state (aa0, bb0, pp0 (B, C)) is given. */
  withState: boolean;
}

const EPS = '0.00000001', PP0 = '-1e30';

/** Which value a forward thread returns: y (B,T,C), the state before each step (B,T,C), or the final state (B,C). */
export type WkvForwardOutput = 'y' | 'aaSeq' | 'bbSeq' | 'ppSeq' | 'aaLast' | 'bbLast' | 'ppLast';

/** Kernel source of one forward output of WKV: each thread replays its channel's recurrence up to its step. */
export function wkvForwardSource(s: WkvSpec, what: WkvForwardOutput): string {
  const o = s.offsets;
  const perStep = !what.endsWith('Last');
  const init = s.withState
    ? `let a = aa0[${o.aa0} + b * ${s.C} + c]; let bq = bb0[${o.bb0} + b * ${s.C} + c]; let p = pp0[${o.pp0} + b * ${s.C} + c];`
    : `let a = 0; let bq = 0; let p = ${PP0};`;
  const pick = { aaSeq: 'a', bbSeq: 'bq', ppSeq: 'p', aaLast: 'a', bbLast: 'bq', ppLast: 'p', y: 'y' }[what];
  return `function (k, v, td, tf${s.withState ? ', aa0, bb0, pp0' : ''}) {
  const i = this.thread.x;
  ${divmod('i', s.C, 'bt', 'c')}
  ${perStep ? divmod('bt', s.T, 'b', 't') : `const b = bt; const t = ${s.T};`}
  const w = -Math.exp(td[${o.td} + c]);
  const u = tf[${o.tf} + c];
  ${init}
  let y = 0;
  for (let tau = 0; tau < ${s.T}; tau++) {
    if (tau < t${what === 'y' ? ' + 1' : ''}) {
      const at = (b * ${s.T} + tau) * ${s.C} + c;
      const kt = k[${o.k} + at];
      const vt = v[${o.v} + at];
      let ww = u + p;
      let e1 = 1;
      let e2 = 1;
      if (ww > kt) { e2 = Math.exp(kt - ww); } else { e1 = Math.exp(ww - kt); }
      y = (a * e1 + vt * e2) / (bq * e1 + e2 + ${EPS});
      if (tau < t) {
        ww = w + p;
        if (ww > kt) {
          const f2 = Math.exp(kt - ww);
          a = a + vt * f2; bq = bq + f2; p = ww;
        } else {
          const f1 = Math.exp(ww - kt);
          a = a * f1 + vt; bq = bq * f1 + 1; p = kt;
        }
      }
    }
  }
  return ${pick};
}`;
}

/** The compiled forward kernel for one output. */
export function wkvForwardKernel(gpu: GPU, s: WkvSpec, what: WkvForwardOutput): IKernelRunShortcut {
  const n = what.endsWith('Last') ? s.B * s.C : s.B * s.T * s.C;
  return flatKernel(gpu, wkvForwardSource(s, what), Math.max(1, n), s.T);
}

/**
 * w = −exp(timeDecay) and u = timeFirst packed in one (2C) array: args (td, tf). The backward then reads
 * 7 arrays and writes 1, within WebGPU's default of 8 storage buffers per shader stage.
 */
export function wkvParamsSource(s: WkvSpec): string {
  return `function (td, tf) {
  const i = this.thread.x;
  if (i < ${s.C}) { return -Math.exp(td[${s.offsets.td} + i]); }
  return tf[${s.offsets.tf} + i - ${s.C}];
}`;
}

/** The compiled kernel of w = −exp(timeDecay) and u = timeFirst. */
export const wkvParamsKernel = (gpu: GPU, s: WkvSpec): IKernelRunShortcut => flatKernel(gpu, wkvParamsSource(s), Math.max(1, 2 * s.C));

/**
 * Backward values: dk, dv (B,T,C) — a thread replays its channel from T−1 down to its step;
 * dw, du (C) — a thread replays every batch row of its channel; da, db, dp (B,C) — down to step 0.
 * dtimeDecay = dw·w, dtimeFirst = du (as on the CPU).
 */
export type WkvBackwardOutput = 'dk' | 'dv' | 'dtd' | 'dtf' | 'daa' | 'dbb' | 'dpp';

/** Kernel source of one gradient of WKV (the equations of docs/derivations/wkv.md, replayed per channel). */
export function wkvBackwardSource(s: WkvSpec, what: WkvBackwardOutput): string {
  const o = s.offsets;
  const perStep = what === 'dk' || what === 'dv';
  const perChannel = what === 'dtd' || what === 'dtf';
  const coords = perStep
    ? `${divmod('i', s.C, 'bt', 'c')} ${divmod('bt', s.T, 'b0', 't')}`
    : perChannel
      ? 'const c = i; const b0 = 0; const t = 0;'
      : `${divmod('i', s.C, 'b0', 'c')} const t = 0;`;
  const rows = perChannel ? s.B : 1;
  const result = {
    dk: 'gkOut', dv: 'gvOut', dtd: 'dw * w', dtf: 'du', daa: 'alpha', dbb: 'beta',
    dpp: `alpha * aa[${o.aa} + b0 * ${s.T} * ${s.C} + c] + beta * bb[${o.bb} + b0 * ${s.T} * ${s.C} + c] + pi`,
  }[what];
  return `function (dy, k, v, wu, aa, bb, pp) {
  const i = this.thread.x;
  ${coords}
  const w = wu[c];
  const u = wu[${s.C} + c];
  let dw = 0;
  let du = 0;
  let gkOut = 0;
  let gvOut = 0;
  let alpha = 0;
  let beta = 0;
  let pi = 0;
  for (let r = 0; r < ${rows}; r++) {
    const b = ${perChannel ? 'r' : 'b0'};
    alpha = 0; beta = 0; pi = 0;
    for (let j = 0; j < ${s.T}; j++) {
      const tau = ${s.T - 1} - j;
      if (tau >= t) {
        const at = (b * ${s.T} + tau) * ${s.C} + c;
        const kt = k[${o.k} + at];
        const vt = v[${o.v} + at];
        const a = aa[${o.aa} + at];
        const bq = bb[${o.bb} + at];
        const p = pp[${o.pp} + at];
        let ww = u + p;
        let e1 = 1;
        let e2 = 1;
        const pastO = ww > kt;
        if (pastO) { e2 = Math.exp(kt - ww); } else { e1 = Math.exp(ww - kt); }
        const inv = 1 / (bq * e1 + e2 + ${EPS});
        const yt = (a * e1 + vt * e2) * inv;
        const gh = dy[${o.dy} + at] * inv;
        let gk = gh * e2 * (vt - yt);
        let gv = gh * e2;
        let gu = gh * e1 * (a - yt * bq);
        const gO = -gh * yt * ${EPS};
        let piPrev = 0;
        if (pastO) { gu += gO; piPrev = gO; } else { gk += gO; }
        ww = w + p;
        let f1 = 1;
        let f2 = 1;
        let gw = 0;
        if (ww > kt) { f2 = Math.exp(kt - ww); gw = pi; piPrev += pi; } else { f1 = Math.exp(ww - kt); gk += pi; }
        gv += alpha * f2;
        gk += (alpha * vt + beta) * f2;
        dw += gw + (alpha * a + beta * bq) * f1;
        du += gu;
        alpha = alpha * f1 + gh * e1;
        beta = beta * f1 - gh * yt * e1;
        pi = piPrev;
        if (tau === t) { gkOut = gk; gvOut = gv; }
      }
    }
  }
  return ${result};
}`;
}

/** The compiled backward kernel for one gradient. */
export function wkvBackwardKernel(gpu: GPU, s: WkvSpec, what: WkvBackwardOutput): IKernelRunShortcut {
  const n = what === 'dk' || what === 'dv' ? s.B * s.T * s.C : what === 'dtd' || what === 'dtf' ? s.C : s.B * s.C;
  return flatKernel(gpu, wkvBackwardSource(s, what), Math.max(1, n), s.T * s.B);
}
