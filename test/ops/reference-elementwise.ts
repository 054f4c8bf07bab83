// Naive float64 references of the elementwise ops: unary (with erf, tanh and sigmoid by methods
// different from the engine's kernels), binary with NumPy broadcasting, and where.
import { broadcastAt, broadcastShape, build, mapRef, type Ref } from './reference-base.ts';

// ---- unary ------------------------------------------------------------------------------------

/**
 * erf(x) = 2/√π ∫₀ˣ e^{-t²} dt by composite Boole's rule (Simpson's rule with one Richardson step, error
 * O(h⁶)) with step ≤ 1/512, summed with Neumaier compensation: ~1e-15 absolute. |x| > 6: ±1 (erfc(6) ≈ 2e-17).
 * Deliberately a different method from the engine's series / continued fraction (kernels/special.ts).
 */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax === 0) return x; // keeps the sign of -0
  const n = 4 * Math.max(2, Math.ceil(ax * 128)); // a multiple of 4 intervals
  const h = ax / n;
  let sum = 0, comp = 0;
  const add = (v: number) => {
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  };
  // Boole weights 7, 32, 12, 32, 14, 32, 12, 32, …, 14, 32, 12, 32, 7
  for (let i = 0; i <= n; i++) {
    const t = i * h;
    const w = i === 0 || i === n ? 7 : i % 2 === 1 ? 32 : i % 4 === 2 ? 12 : 14;
    add(w * Math.exp(-t * t));
  }
  const integral = ((sum + comp) * 2 * h) / 45;
  const r = (2 / Math.sqrt(Math.PI)) * integral;
  return x < 0 ? -r : r;
}

/** tanh from expm1 (accurate near 0), saturating beyond |x| > 20 where it is ±1 to double precision. */
export function tanhScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 20) return 1;
  if (x < -20) return -1;
  const e = Math.expm1(2 * x);
  return e / (e + 2);
}

/** σ(x) = (1 + tanh(x/2)) / 2, a different formula from the engine's 1 / (1 + e⁻ˣ). */
export function sigmoidScalar(x: number): number {
  return 0.5 * (1 + tanhScalar(x / 2));
}

export function softplusScalar(x: number): number {
  // log(1 + eˣ) = x + log(1 + e⁻ˣ); pick the form whose exponential cannot overflow.
  return x > 0 ? x + Math.log(1 + Math.exp(-x)) : Math.log(1 + Math.exp(x));
}

export const neg = (x: Ref): Ref => mapRef(x, (v) => -v);
export const exp = (x: Ref): Ref => mapRef(x, (v) => Math.exp(v));
export const log = (x: Ref): Ref => mapRef(x, (v) => Math.log(v));
export const sqrt = (x: Ref): Ref => mapRef(x, (v) => Math.sqrt(v));
export const tanh = (x: Ref): Ref => mapRef(x, tanhScalar);
export const sigmoid = (x: Ref): Ref => mapRef(x, sigmoidScalar);
export const relu = (x: Ref): Ref => mapRef(x, (v) => (Number.isNaN(v) ? NaN : v > 0 ? v : 0));
export const gelu = (x: Ref): Ref => mapRef(x, (v) => 0.5 * v * (1 + erfScalar(v / Math.SQRT2)));
export const silu = (x: Ref): Ref => mapRef(x, (v) => v * sigmoidScalar(v));
export const softplus = (x: Ref): Ref => mapRef(x, softplusScalar);
export const erf = (x: Ref): Ref => mapRef(x, erfScalar);

// ---- binary (NumPy broadcasting) ----------------------------------------------------------------

export function binary(a: Ref, b: Ref, f: (p: number, q: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  return build(shape, (idx) => f(broadcastAt(a, idx), broadcastAt(b, idx)));
}

/** pᵠ: integer exponents by repeated multiplication (negative bases allowed), otherwise e^{q·ln p}. */
export function powScalar(p: number, q: number): number {
  if (q === 0) return 1;
  if (Number.isNaN(p) || Number.isNaN(q)) return NaN;
  if (Number.isInteger(q) && Math.abs(q) <= 64) {
    let r = 1;
    for (let i = 0; i < Math.abs(q); i++) r *= p;
    return q < 0 ? 1 / r : r;
  }
  if (p < 0) return NaN;
  if (p === 0) return q > 0 ? 0 : Infinity;
  return Math.exp(q * Math.log(p));
}

const isNaN2 = (p: number, q: number) => Number.isNaN(p) || Number.isNaN(q);

export const add = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => p + q);
export const sub = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => p - q);
export const mul = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => p * q);
export const div = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => p / q);
export const pow = (a: Ref, b: Ref): Ref => binary(a, b, powScalar);
export const maximum = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (isNaN2(p, q) ? NaN : p >= q ? p : q));
export const minimum = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (isNaN2(p, q) ? NaN : p <= q ? p : q));
export const eq = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p === q ? 1 : 0));
export const ne = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p === q ? 0 : 1));
export const lt = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p < q ? 1 : 0));
export const le = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p <= q ? 1 : 0));
export const gt = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p > q ? 1 : 0));
export const ge = (a: Ref, b: Ref): Ref => binary(a, b, (p, q) => (p >= q ? 1 : 0));

/** cond ? a : b with all three broadcast together; any nonzero cond (NaN included) is true. */
export function where(cond: Ref, a: Ref, b: Ref): Ref {
  const shape = broadcastShape(cond.shape, a.shape, b.shape);
  return build(shape, (idx) => (broadcastAt(cond, idx) !== 0 ? broadcastAt(a, idx) : broadcastAt(b, idx)));
}
