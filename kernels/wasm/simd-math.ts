// exp and erfc on four float32 lanes, emitted inline into a kernel (WebAssembly has no
// transcendental instructions). Each helper reads a v128 local and writes another.
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

/** Temporaries the helpers need (allocate once per function). */
export interface MathScratch { a: Local; b: Local; c: Local; d: Local }
/** Allocates the four v128 locals of a MathScratch in function `f`. */
export const mathScratch = (f: FunctionBody): MathScratch => ({ a: f.local('v128'), b: f.local('v128'), c: f.local('v128'), d: f.local('v128') });

/** Horner: acc = ((c0·t + c1)·t + c2)… with `t` a v128 local; leaves the result on the stack. */
function horner(f: FunctionBody, t: Local, coefficients: number[]): void {
  f.f32x4Const(coefficients[0]);
  for (const c of coefficients.slice(1)) f.get(t).f32x4Mul().f32x4Const(c).f32x4Add();
}

/** out = e^x, lane-wise. `out` may equal `x`. */
export function emitExp(f: FunctionBody, x: Local, out: Local, { a: r, b: n, d: underflow }: MathScratch): void {
  f.get(x).f32x4Const(-87.33654).f32x4Lt().set(underflow);
  // clamp, then n = round(x·log₂e)
  f.get(x).f32x4Const(-87.33654).f32x4Max().f32x4Const(88.37626).f32x4Min().set(r);
  f.get(r).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(n);
  // r = x − n·0.693359375 − n·(−2.12194440e−4)
  f.get(r).get(n).f32x4Const(0.693359375).f32x4Mul().f32x4Sub().get(n).f32x4Const(-2.12194440e-4).f32x4Mul().f32x4Sub().set(r);
  // e^r = 1 + r + r²·P(r)
  horner(f, r, EXP_POLY);
  f.get(r).f32x4Mul().get(r).f32x4Mul().get(r).f32x4Add().f32x4Const(1).f32x4Add();
  // · 2ⁿ, built from its bits
  f.get(n).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32Const(23).i32x4Shl();
  f.f32x4Mul().set(out);
  f.f32x4Const(0).get(out).get(underflow).v128Bitselect().set(out);
}

/** out = erfc(z) for z ≥ 0, lane-wise. `out` may equal `z`. */
export function emitErfc(f: FunctionBody, z: Local, out: Local, scratch: MathScratch): void {
  const t = scratch.c;
  f.f32x4Const(1).f32x4Const(1).get(z).f32x4Const(0.5).f32x4Mul().f32x4Add().f32x4Div().set(t);
  // exponent argument: −z² + (t·P(t)) with the polynomial's last coefficient as the constant term
  horner(f, t, ERFC_POLY);
  f.get(z).get(z).f32x4Mul().f32x4Sub().set(out);
  emitExp(f, out, out, scratch);
  f.get(out).get(t).f32x4Mul().set(out);
}
