// exp and erfc on four float32 lanes, emitted inline into a kernel (WebAssembly has no
// transcendental instructions).
//
// exp: Cephes expf's method. x = n·ln2 + r with n = round(x·log₂e) and |r| ≤ ln2/2, ln2 split into a
// high part exact in float32 and a small correction (Cody & Waite), so r is accurate; e^r from a
// degree-5 minimax polynomial (Cephes coefficients, ≈1 ulp); 2ⁿ built directly as float32 bits,
// (n + 127) << 23. x is clamped to [−87.3, 88.4], where 2ⁿ stays a normal float32, and below −87.3
// the result is exactly 0 (as Math.exp underflows), so e.g. ∞·e^{−∞} is NaN in both.
// erfc (z ≥ 0): Numerical Recipes' erfcc, a Chebyshev fit with fractional error < 1.2·10⁻⁷:
//   t = 1/(1 + z/2),  erfc(z) = t·exp(−z² − 1.26551223 + t·(1.00002368 + t·(0.37409196 + …)))

import type { FunctionBody, Local } from './body.ts';

const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const ERFC_POLY = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/** Temporaries the helpers need (allocate once per function, one per vector computed at a time). */
export interface MathScratch { a: Local; b: Local; c: Local; d: Local; e: Local }
/** Allocates the five v128 locals of a MathScratch in function `f` (exp uses a–d, erfc also e). */
export function mathScratch(f: FunctionBody): MathScratch {
  const [a, b, c, d, e] = f.localList('v128', 5);
  return { a, b, c, d, e };
}

/** `count` MathScratch sets, one per vector computed at a time. */
export const mathScratches = (f: FunctionBody, count: number): MathScratch[] => Array.from({ length: count }, () => mathScratch(f));

// Each helper reads v128 locals and writes others, for one or more vectors at a time: xs[i] → outs[i]
// with scratch[i] (rows.ts eachVectorGroup drives four per loop turn). One exp is a chain of ≈30 dependent instructions (≈100 cycles), and the out-of-order core overlaps only a
// couple of such chains when they come one after another; emitting each step for every vector before
// the next step puts independent instructions side by side. Measured (512 × 4,096 floats, e^x alone,
// interleaved rounds): one vector at a time 18.4 ns per vector, two 11.4, four 8.3.

/** Emits `step(i)` for every vector i: one step of a helper across the vectors it computes. */
const each = (n: number, step: (i: number) => void): void => { for (let i = 0; i < n; i++) step(i); };

/** Horner: acc = ((c0·t + c1)·t + c2)… with `t` a v128 local, for every (t, acc) pair. */
function horner(f: FunctionBody, ts: readonly Local[], accs: readonly Local[], coefficients: number[]): void {
  each(ts.length, (i) => f.f32x4Const(coefficients[0]).set(accs[i]));
  for (const c of coefficients.slice(1)) each(ts.length, (i) => f.get(accs[i]).get(ts[i]).f32x4Mul().f32x4Const(c).f32x4Add().set(accs[i]));
}

/** outs[i] = e^{xs[i]}, lane-wise. `outs[i]` may equal `xs[i]`. */
export function emitExp(f: FunctionBody, xs: readonly Local[], outs: readonly Local[], scratch: readonly MathScratch[]): void {
  const n = xs.length, r = scratch.map((s) => s.a), k = scratch.map((s) => s.b), p = scratch.map((s) => s.c), underflow = scratch.map((s) => s.d);
  each(n, (i) => f.get(xs[i]).f32x4Const(-87.33654).f32x4Lt().set(underflow[i]));
  // clamp, then k = round(x·log₂e)
  each(n, (i) => f.get(xs[i]).f32x4Const(-87.33654).f32x4Max().f32x4Const(88.37626).f32x4Min().set(r[i]));
  each(n, (i) => f.get(r[i]).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(k[i]));
  // r = x − k·0.693359375 − k·(−2.12194440e−4)
  each(n, (i) => f.get(r[i]).get(k[i]).f32x4Const(0.693359375).f32x4Mul().f32x4Sub().get(k[i]).f32x4Const(-2.12194440e-4).f32x4Mul().f32x4Sub().set(r[i]));
  // e^r = 1 + r + r²·P(r)
  horner(f, r, p, EXP_POLY);
  each(n, (i) => f.get(p[i]).get(r[i]).f32x4Mul().get(r[i]).f32x4Mul().get(r[i]).f32x4Add().f32x4Const(1).f32x4Add().set(p[i]));
  // · 2ᵏ, built from its bits; exactly 0 below the clamp
  each(n, (i) => f.get(p[i]).get(k[i]).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul().set(outs[i]));
  each(n, (i) => f.f32x4Const(0).get(outs[i]).get(underflow[i]).v128Bitselect().set(outs[i]));
}

/** outs[i] = erfc(zs[i]) for z ≥ 0, lane-wise. `outs[i]` may equal `zs[i]`. */
export function emitErfc(f: FunctionBody, zs: readonly Local[], outs: readonly Local[], scratch: readonly MathScratch[]): void {
  const n = zs.length, t = scratch.map((s) => s.e), q = scratch.map((s) => s.a);
  each(n, (i) => f.f32x4Const(1).f32x4Const(1).get(zs[i]).f32x4Const(0.5).f32x4Mul().f32x4Add().f32x4Div().set(t[i]));
  // exponent argument: −z² + (t·P(t)) with the polynomial's last coefficient as the constant term
  horner(f, t, q, ERFC_POLY);
  each(n, (i) => f.get(q[i]).get(zs[i]).get(zs[i]).f32x4Mul().f32x4Sub().set(outs[i]));
  emitExp(f, outs, outs, scratch);
  each(n, (i) => f.get(outs[i]).get(t[i]).f32x4Mul().set(outs[i]));
}
