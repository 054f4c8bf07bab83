// The RWKV-v4 WKV recurrence, forward and backward, in WebAssembly SIMD, float32 (kernels/cpu/wkv.ts
// has the formulas in max-shifted form, the reference loops and the derivation link). The recurrence is
// sequential in t but independent per channel, so each v128 carries four channels through time.
// k, v, y: (B, T, C) contiguous; the state (a, b, p) and the adjoints (α, β, π) live in wasm memory,
// one vector of C4 (C padded to whole v128s) each, for one batch row at a time.
//
// The reference branches on which of two exponents is the larger (one of e1, e2 is exactly 1, the other
// e^{−|difference|}); here both branches are computed with one exp and picked lane by lane:
//   d = u + p − k,  e = e^{−|d|},  (e1, e2) = d > 0 ? (1, e) : (e, 1)    (the same for f1, f2 with w + p)
// so it costs two exps per element forward and two backward, as the reference does. Unlike the reference
// (float64 state, float64 parameter gradients) everything is float32, with one exception: the running
// maximum p is carried as a pair hi + lo (TwoSum), because rounding p + w to float32 every step biases a
// slowly decaying channel's decay (measured at T = 5000: y off by 2.5e-4 with p rounded, 9e-7 with the
// pair, the same as the reference run in float32). ∂timeDecay = ∂w·w and ∂timeFirst are summed in
// float32 lanes over B·T.
// Rows (time steps) are copied in blocks (rows.ts); ragged C leaves padding lanes that compute finite
// values nobody reads, as nothing here sums across lanes. float64 and strided views go to the TS kernels.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { WKV_EPS, WKV_PP0, wkvKernels } from '../cpu/wkv.ts';
import { sharedArena } from './arena.ts';
import type { FunctionBody, Local } from './body.ts';
import { ModuleBuilder } from './module.ts';
import { blockRows, copyRowsIn, copyRowsOut, denseF32, eachRow, eachVector, f32, padded } from './rows.ts';
import { emitExp, mathScratch, type MathScratch } from './simd-math.ts';

interface WkvExports {
  /** `rows` steps from the state (aa, bb, pp + pl: p carried as a float32 pair), updated in place; `save` ≠ 0
   *  stores the state before each step (p rounded to float32, as the reference saves its float64 p). */
  forward(k: number, v: number, y: number, aa: number, bb: number, pp: number, pl: number, w: number, u: number,
    sa: number, sb: number, sp: number, save: number, rows: number, C4: number): void;
  /** `rows` steps backwards from the pointers' row (the last of the block); updates α, β, π, adds into du, dw. */
  backward(dy: number, k: number, v: number, sa: number, sb: number, sp: number, dk: number, dv: number,
    alpha: number, beta: number, pi: number, du: number, dw: number, w: number, u: number, rows: number, C4: number): void;
}

/** Emits: with d = (p − k) + shift, (big, small) = (1, e^{−|d|}) where d > 0, else (e^{−|d|}, 1), from v128
 *  locals. d is formed as (p − k) + shift, not (shift + p) − k: p is a running maximum of keys (tens),
 *  the decay w may be 10⁻⁴, and float32's shift + p would round off a visible part of w every step. */
function expPair(f: FunctionBody, p: Local, k: Local, shift: Local, big: Local, small: Local, s: { d: Local; e: Local; m: Local; math: MathScratch }): void {
  f.get(p).get(k).f32x4Sub().get(shift).f32x4Add().set(s.d);
  f.get(s.d).f32x4Abs().f32x4Neg().set(s.e);
  emitExp(f, [s.e], [s.e], [s.math]);
  f.f32x4Const(0).get(s.d).f32x4Lt().set(s.m); // shift + p > k
  f.f32x4Const(1).get(s.e).get(s.m).v128Bitselect().set(big); // e1: 1 where shift + p > k
  f.get(s.e).f32x4Const(1).get(s.m).v128Bitselect().set(small); // e2: e where shift + p > k
}

const at = (f: FunctionBody, base: Local, o: Local) => f.get(base).get(o).i32Add();

function wkvModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('forward', Array(15).fill('i32'), [], (f) => {
      const [k, v, y, aa, bb, pp, pl, w, u, sa, sb, sp, save, rows, C4] = Array.from({ length: 15 }, (_, i) => f.param(i));
      const [kt, vt, a, b, p, lo, x, e1, e2, sum, z] = f.localList('v128', 11);
      const s = { d: f.local('v128'), e: f.local('v128'), m: f.local('v128'), math: mathScratch(f) };
      eachRow(f, rows, C4, [k, v, y, sa, sb, sp], () => eachVector(f, C4, (o) => {
        at(f, k, o).v128Load().set(kt);
        at(f, v, o).v128Load().set(vt);
        at(f, aa, o).v128Load().set(a);
        at(f, bb, o).v128Load().set(b);
        at(f, pp, o).v128Load().set(p);
        at(f, pl, o).v128Load().set(lo);
        f.get(save).if();
        at(f, sa, o).get(a).v128Store();
        at(f, sb, o).get(b).v128Store();
        at(f, sp, o).get(p).v128Store();
        f.end();
        // output: y = (a·e1 + v·e2) / (b·e1 + e2 + ε), with the shift o = max(u + p, k)
        at(f, u, o).v128Load().get(lo).f32x4Add().set(x);
        expPair(f, p, kt, x, e1, e2, s);
        at(f, y, o);
        f.get(a).get(e1).f32x4Mul().get(vt).get(e2).f32x4Mul().f32x4Add();
        f.get(b).get(e1).f32x4Mul().get(e2).f32x4Add().f32x4Const(WKV_EPS).f32x4Add();
        f.f32x4Div().v128Store();
        // update: p' = max(w + p, k), a ← a·f1 + v·f2, b ← b·f1 + f2
        at(f, w, o).v128Load().get(lo).f32x4Add().set(x);
        expPair(f, p, kt, x, e1, e2, s);
        at(f, aa, o).get(a).get(e1).f32x4Mul().get(vt).get(e2).f32x4Mul().f32x4Add().v128Store();
        at(f, bb, o).get(b).get(e1).f32x4Mul().get(e2).f32x4Add().v128Store();
        // p' = w + p as an unevaluated sum hi + lo (Knuth's TwoSum: lo is exactly what float32 rounds off),
        // or k (lo = 0). Rounded, p + w would lose up to half an ulp of p every step, always the same way
        // for a slowly decaying channel (w = −1.2e-4 on p ≈ 60 is 32.4 ulps, so 1 % of the decay).
        f.get(p).get(x).f32x4Add().set(sum);
        f.get(sum).get(p).f32x4Sub().set(z);
        f.get(p).get(sum).get(z).f32x4Sub().f32x4Sub().get(x).get(z).f32x4Sub().f32x4Add().set(x);
        at(f, pp, o).get(sum).get(kt).get(s.m).v128Bitselect().v128Store();
        at(f, pl, o).get(x).f32x4Const(0).get(s.m).v128Bitselect().v128Store();
      }));
    })
    .func('backward', Array(17).fill('i32'), [], (f) => {
      const [dy, k, v, sa, sb, sp, dk, dv, alpha, beta, pi, du, dw, w, u, rows, C4] = Array.from({ length: 17 }, (_, i) => f.param(i));
      const [kt, vt, a, b, p, x, e1, e2, f1, f2, inv, yt, gh, gO, m1, gk, gv, gu, piPrev, gw, al, be, pn] = f.localList('v128', 23);
      const s = { d: f.local('v128'), e: f.local('v128'), m: f.local('v128'), math: mathScratch(f) };
      const pick = (mask: Local, ifTrue: () => void, ifFalse: () => void) => { ifTrue(); ifFalse(); f.get(mask).v128Bitselect(); };
      const zero = () => f.f32x4Const(0);
      eachRow(f, rows, C4, [dy, k, v, sa, sb, sp, dk, dv], () => eachVector(f, C4, (o) => {
        at(f, k, o).v128Load().set(kt);
        at(f, v, o).v128Load().set(vt);
        at(f, sa, o).v128Load().set(a);
        at(f, sb, o).v128Load().set(b);
        at(f, sp, o).v128Load().set(p);
        at(f, alpha, o).v128Load().set(al);
        at(f, beta, o).v128Load().set(be);
        at(f, pi, o).v128Load().set(pn);
        // the output step, recomputed: inv = 1/d_t, y_t, ĝ = g·inv, G_o = −ĝ·y_t·ε
        at(f, u, o).v128Load().set(x);
        expPair(f, p, kt, x, e1, e2, s);
        f.get(s.m).set(m1); // u + p > k: the output's shift is u + p
        f.f32x4Const(1).get(b).get(e1).f32x4Mul().get(e2).f32x4Add().f32x4Const(WKV_EPS).f32x4Add().f32x4Div().set(inv);
        f.get(a).get(e1).f32x4Mul().get(vt).get(e2).f32x4Mul().f32x4Add().get(inv).f32x4Mul().set(yt);
        at(f, dy, o).v128Load().get(inv).f32x4Mul().set(gh);
        f.get(gh).get(yt).f32x4Mul().f32x4Const(-WKV_EPS).f32x4Mul().set(gO);
        // dk = ĝ·e2·(v − y) [+ G_o where the shift is k];  dv = ĝ·e2;  du = ĝ·e1·(a − y·b) [+ G_o where it is u + p]
        f.get(gh).get(e2).f32x4Mul().get(vt).get(yt).f32x4Sub().f32x4Mul();
        pick(m1, zero, () => f.get(gO));
        f.f32x4Add().set(gk);
        f.get(gh).get(e2).f32x4Mul().set(gv);
        f.get(gh).get(e1).f32x4Mul().get(a).get(yt).get(b).f32x4Mul().f32x4Sub().f32x4Mul();
        pick(m1, () => f.get(gO), zero);
        f.f32x4Add().set(gu);
        pick(m1, () => f.get(gO), zero);
        f.set(piPrev);
        // the state update: where w + p > k, π flows to w and to the earlier p; else to k
        at(f, w, o).v128Load().set(x);
        expPair(f, p, kt, x, f1, f2, s);
        pick(s.m, () => f.get(pn), zero);
        f.set(gw);
        f.get(piPrev).get(gw).f32x4Add().set(piPrev);
        f.get(gk);
        pick(s.m, zero, () => f.get(pn));
        f.f32x4Add().set(gk);
        f.get(gv).get(al).get(f2).f32x4Mul().f32x4Add().set(gv);
        f.get(gk).get(al).get(vt).f32x4Mul().get(be).f32x4Add().get(f2).f32x4Mul().f32x4Add().set(gk);
        at(f, dw, o).get(dw).get(o).i32Add().v128Load().get(gw).f32x4Add();
        f.get(al).get(a).f32x4Mul().get(be).get(b).f32x4Mul().f32x4Add().get(f1).f32x4Mul().f32x4Add().v128Store();
        at(f, du, o).get(du).get(o).i32Add().v128Load().get(gu).f32x4Add().v128Store();
        // the adjoints of the state before step t
        at(f, alpha, o).get(al).get(f1).f32x4Mul().get(gh).get(e1).f32x4Mul().f32x4Add().v128Store();
        at(f, beta, o).get(be).get(f1).f32x4Mul().get(gh).get(yt).f32x4Mul().get(e1).f32x4Mul().f32x4Sub().v128Store();
        at(f, pi, o).get(piPrev).v128Store();
        at(f, dk, o).get(gk).v128Store();
        at(f, dv, o).get(gv).v128Store();
      }), true);
    });
}

let exports: (() => WkvExports) | undefined;
const ts = wkvKernels();

/** Byte offsets: `blocks` row blocks of block·C4 floats, then `vectors` vectors of C4. */
function layout(blocks: number, vectors: number, C4: number, T: number) {
  const block = blockRows(C4, T), rowBytes = 4 * block * C4, vec = 4 * C4;
  const rowsAt = Array.from({ length: blocks }, (_, i) => i * rowBytes);
  const vecAt = Array.from({ length: vectors }, (_, i) => blocks * rowBytes + i * vec);
  sharedArena.ensure(blocks * rowBytes + vectors * vec);
  exports ??= sharedArena.register<WkvExports>(wkvModule().bytes()).exports;
  return { block, rowsAt, vecAt, run: exports() };
}

/** Writes `values(c)` for c < C, then `pad` up to C4, as floats at byte `at`. */
function fillVector(at: number, C: number, C4: number, values: (c: number) => number, pad: number): void {
  const mem = sharedArena.f32, o = at / 4;
  for (let c = 0; c < C; c++) mem[o + c] = values(c);
  mem.fill(pad, o + C, o + C4);
}

/** See kernels/cpu/wkv.ts: inputs k, v, timeDecay, timeFirst, [aa, bb, pp]; outputs y, aa, bb, pp, [aaSeq, bbSeq, ppSeq]. */
const wkv: Kernel = (inputs, outputs, attrs) => {
  const [k, v, td, tf, aa0, bb0, pp0] = inputs;
  const [y, aaOut, bbOut, ppOut, aaSeq, bbSeq, ppSeq] = outputs;
  const [B, T, C] = k.shape;
  if (T === 0 || C === 0 || !denseF32([...inputs, ...outputs])) return ts.wkv(inputs, outputs, attrs);
  const C4 = padded(C);
  const { block, rowsAt: [K, V, Y, SA, SB, SP], vecAt: [AA, BB, PP, PL, W, U], run } = layout(6, 6, C4, T);
  const tds = f32(td), tfs = f32(tf);
  fillVector(W, C, C4, (c) => -Math.exp(tds[td.offset + c]), 0);
  fillVector(U, C, C4, (c) => tfs[tf.offset + c], 0);
  const state = [[AA, aa0, aaOut, 0], [BB, bb0, bbOut, 0], [PP, pp0, ppOut, WKV_PP0]] as const;
  for (let b = 0; b < B; b++) {
    for (const [where, init, , none] of state) fillVector(where, C, C4, init ? (c) => f32(init)[init.offset + b * C + c] : () => none, none);
    fillVector(PL, C, C4, () => 0, 0);
    for (let t0 = 0; t0 < T; t0 += block) {
      const n = Math.min(block, T - t0), r0 = b * T + t0;
      copyRowsIn(k, r0, n, C, C4, K);
      copyRowsIn(v, r0, n, C, C4, V);
      run.forward(K, V, Y, AA, BB, PP, PL, W, U, SA, SB, SP, aaSeq ? 1 : 0, n, C4);
      copyRowsOut(y, r0, n, C, C4, Y);
      if (aaSeq) [[aaSeq, SA], [bbSeq, SB], [ppSeq, SP]].forEach(([view, from]) => copyRowsOut(view as View, r0, n, C, C4, from as number));
    }
    const mem = sharedArena.f32;
    for (const [where, , out] of state) f32(out).set(mem.subarray(where / 4, where / 4 + C), out.offset + b * C);
  }
};

/** See kernels/cpu/wkv.ts: inputs dy, k, v, timeDecay, timeFirst, aaSeq, bbSeq, ppSeq; outputs dk, dv, dtimeDecay, dtimeFirst, [daa, dbb, dpp]. */
const wkvBackward: Kernel = (inputs, outputs, attrs) => {
  const [dy, k, v, td, tf, aaSeq, bbSeq, ppSeq] = inputs;
  const [dk, dv, dtd, dtf, daa, dbb, dpp] = outputs;
  const [B, T, C] = k.shape;
  if (T === 0 || C === 0 || !denseF32([...inputs, ...outputs])) return ts.wkvBackward(inputs, outputs, attrs);
  const C4 = padded(C);
  const { block, rowsAt: [DY, K, V, SA, SB, SP, DK, DV], vecAt: [AL, BE, PI, DU, DW, W, U], run } = layout(8, 7, C4, T);
  const tds = f32(td), tfs = f32(tf);
  const w = Float64Array.from({ length: C }, (_, c) => -Math.exp(tds[td.offset + c]));
  fillVector(W, C, C4, (c) => w[c], 0);
  fillVector(U, C, C4, (c) => tfs[tf.offset + c], 0);
  for (const where of [DU, DW]) fillVector(where, C, C4, () => 0, 0);
  const rowBytes = 4 * C4;
  for (let b = 0; b < B; b++) {
    for (const where of [AL, BE, PI]) fillVector(where, C, C4, () => 0, 0);
    for (let t1 = T; t1 > 0; t1 -= block) {
      const t0 = Math.max(0, t1 - block), n = t1 - t0, r0 = b * T + t0, last = (n - 1) * rowBytes;
      ([[dy, DY], [k, K], [v, V], [aaSeq, SA], [bbSeq, SB], [ppSeq, SP]] as const).forEach(([view, to]) => copyRowsIn(view, r0, n, C, C4, to));
      run.backward(DY + last, K + last, V + last, SA + last, SB + last, SP + last, DK + last, DV + last, AL, BE, PI, DU, DW, W, U, n, C4);
      copyRowsOut(dk, r0, n, C, C4, DK);
      copyRowsOut(dv, r0, n, C, C4, DV);
    }
    if (daa) {
      // the state before step 0 is the initial one: ∂a₀ = α, ∂b₀ = β, ∂p₀ = α·a₀ + β·b₀ + π
      const mem = sharedArena.f32, as = f32(aaSeq), bs = f32(bbSeq);
      for (let c = 0; c < C; c++) {
        const o = b * C + c, al = mem[AL / 4 + c], be = mem[BE / 4 + c];
        f32(daa)[daa.offset + o] = al;
        f32(dbb)[dbb.offset + o] = be;
        f32(dpp)[dpp.offset + o] = al * as[aaSeq.offset + b * T * C + c] + be * bs[bbSeq.offset + b * T * C + c] + mem[PI / 4 + c];
      }
    }
  }
  const mem = sharedArena.f32;
  for (let c = 0; c < C; c++) {
    f32(dtd)[dtd.offset + c] = mem[DW / 4 + c] * w[c]; // ∂timeDecay = ∂w · dw/dtimeDecay = ∂w · w
    f32(dtf)[dtf.offset + c] = mem[DU / 4 + c];
  }
};

/** The float32 SIMD kernels 'wkv' and 'wkvBackward' (float64 and strided views go to TS). */
export const wasmWkvKernels = (): Record<string, Kernel> => ({ wkv, wkvBackward });
