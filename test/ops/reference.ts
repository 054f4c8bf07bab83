// Naive float64 reference implementations of every op in the op table, written from the math and
// independent of the engine: plain row-major arrays, nested index loops, no strides, no kernels, no
// imports from src/. test/ops/forward.test.ts compares the engine against these.
//
// A `Ref` is a row-major array with a shape. Integer data (ids, targets, int32 casts) is held as
// whole numbers in the same Float64Array.

export interface Ref {
  shape: number[];
  data: Float64Array;
}

// ---- plumbing -----------------------------------------------------------------------------------

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  if (sizeOf(shape) !== data.length) throw new Error(`ref: shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export const scalar = (v: number): Ref => ref([], [v]);

function zerosRef(shape: readonly number[]): Ref {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

/** The multi-index of flat position `flat` in a row-major array of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return idx;
}

/** The flat row-major position of multi-index `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let a = 0; a < shape.length; a++) flat = flat * shape[a] + idx[a];
  return flat;
}

/** The element of x at a multi-index. */
export function at(x: Ref, idx: readonly number[]): number {
  return x.data[ravel(idx, x.shape)];
}

function normAxis(axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new Error(`reference: axis ${axis} out of range for ${ndim} dims`);
  return a;
}

/** A new Ref of `shape` whose element at each multi-index is f(index). */
function build(shape: readonly number[], f: (idx: number[]) => number): Ref {
  const out = zerosRef(shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(unravel(i, shape));
  return out;
}

// ---- broadcasting (NumPy rules) -------------------------------------------------------------------

export function broadcastShape(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - n + i;
      const e = k < 0 ? 1 : s[k];
      if (e === 1) continue;
      if (d !== 1 && d !== e) throw new Error(`reference: shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' ')} do not broadcast`);
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** The element of x that lands at `outIdx` when x is broadcast to a shape of outIdx.length dims. */
function broadcastAt(x: Ref, outIdx: readonly number[]): number {
  const lead = outIdx.length - x.shape.length;
  const idx = x.shape.map((d, a) => (d === 1 ? 0 : outIdx[a + lead]));
  return at(x, idx);
}

// ---- unary ------------------------------------------------------------------------------------

function mapRef(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}

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

// ---- reductions -----------------------------------------------------------------------------------

/** undefined: all axes; a number or a list (negatives count from the end); [] reduces nothing. */
export type AxesArg = number | readonly number[] | undefined;

function normAxes(axes: AxesArg, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normAxis(a, ndim));
  if (new Set(list).size !== list.length) throw new Error('reference: repeated axis');
  return list;
}

/** Folds every group of elements that share the non-reduced coordinates. */
function reduce(x: Ref, axes: AxesArg, keepdim: boolean, fold: (values: number[]) => number): Ref {
  const red = normAxes(axes, x.shape.length);
  const keptShape = x.shape.map((d, a) => (red.includes(a) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(keptShape) }, () => []);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    groups[ravel(idx.map((v, a) => (red.includes(a) ? 0 : v)), keptShape)].push(x.data[i]);
  }
  const shape = keepdim ? keptShape : x.shape.filter((_, a) => !red.includes(a));
  return ref(shape, groups.map(fold));
}

const total = (vs: number[]) => vs.reduce((s, v) => s + v, 0);

export const sum = (x: Ref, axes?: AxesArg, keepdim = false): Ref => reduce(x, axes, keepdim, total);
export const mean = (x: Ref, axes?: AxesArg, keepdim = false): Ref => reduce(x, axes, keepdim, (vs) => total(vs) / vs.length);
export const max = (x: Ref, axes?: AxesArg, keepdim = false): Ref =>
  reduce(x, axes, keepdim, (vs) => (vs.some(Number.isNaN) ? NaN : vs.reduce((m, v) => (v > m ? v : m), -Infinity)));

// ---- shape ops --------------------------------------------------------------------------------------

/** Same elements in the same row-major order, new shape (one dim may be -1). */
export function reshape(x: Ref, shape: readonly number[]): Ref {
  const known = sizeOf(shape.filter((d) => d !== -1));
  const target = shape.map((d) => (d === -1 ? sizeOf(x.shape) / known : d));
  return ref(target, x.data);
}

/** out[i₀, …] with out.shape[k] = x.shape[dims[k]] and out[idx] = x[idx placed back at dims]. */
export function permute(x: Ref, dims: readonly number[]): Ref {
  const axes = dims.map((a) => normAxis(a, x.shape.length));
  const shape = axes.map((a) => x.shape[a]);
  return build(shape, (idx) => {
    const src = new Array<number>(x.shape.length);
    axes.forEach((a, k) => (src[a] = idx[k]));
    return at(x, src);
  });
}

/** Broadcast to `shape` (a -1 keeps x's size on that trailing axis). */
export function expand(x: Ref, shape: readonly number[]): Ref {
  const lead = shape.length - x.shape.length;
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  return build(target, (idx) => broadcastAt(x, idx));
}

/** The positions Python's range(len)[start:end:step] selects, step ≥ 1. */
export function sliceIndices(len: number, start: number, end: number | undefined, step: number): number[] {
  const fix = (i: number) => {
    if (i < 0) i += len;
    return i < 0 ? 0 : i > len ? len : i;
  };
  const out: number[] = [];
  for (let i = fix(start); i < fix(end ?? len); i += step) out.push(i);
  return out;
}

export function slice(x: Ref, axis: number, start: number, end?: number, step = 1): Ref {
  const a = normAxis(axis, x.shape.length);
  const picked = sliceIndices(x.shape[a], start, end, step);
  const shape = x.shape.map((d, i) => (i === a ? picked.length : d));
  return build(shape, (idx) => at(x, idx.map((v, i) => (i === a ? picked[v] : v))));
}

export const contiguous = (x: Ref): Ref => ref(x.shape, x.data);

/** float64 → itself; float32 → round to nearest float32; int32 → truncate toward 0, wrap modulo 2³² (NaN, ±∞ → 0). */
export function toDType(x: Ref, dtype: 'float32' | 'float64' | 'int32'): Ref {
  if (dtype === 'float64') return contiguous(x);
  if (dtype === 'float32') return mapRef(x, (v) => Math.fround(v));
  return mapRef(x, (v) => {
    if (!Number.isFinite(v)) return 0;
    const m = ((Math.trunc(v) % 2 ** 32) + 2 ** 32) % 2 ** 32;
    return m >= 2 ** 31 ? m - 2 ** 32 : m;
  });
}

// ---- joining, products, gathering -----------------------------------------------------------------

export function concat(xs: readonly Ref[], axis = 0): Ref {
  const a = normAxis(axis, xs[0].shape.length);
  const starts: number[] = [];
  let n = 0;
  for (const x of xs) {
    starts.push(n);
    n += x.shape[a];
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? n : d));
  return build(shape, (idx) => {
    let k = xs.length - 1;
    while (starts[k] > idx[a]) k--;
    return at(xs[k], idx.map((v, i) => (i === a ? v - starts[k] : v)));
  });
}

/** NumPy matmul: (…, M, K)·(…, K, N) → (…, M, N) with broadcast batch dims; a 1-D operand is a vector whose axis is dropped. */
export function matmul(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) throw new Error('reference matmul: inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const c = build([...batch, M, N], (idx) => {
    const bi = idx.slice(0, -2), i = idx[idx.length - 2], j = idx[idx.length - 1];
    let s = 0;
    for (let k = 0; k < K; k++) s += broadcastAt(a2, [...bi, i, k]) * broadcastAt(b2, [...bi, k, j]);
    return s;
  });
  const shape = [...batch];
  if (a.shape.length >= 2) shape.push(M);
  if (b.shape.length >= 2) shape.push(N);
  return ref(shape, c.data);
}

/** out[pre…, ids-index…, post…] = x[pre…, ids[ids-index…], post…]. */
export function indexSelect(x: Ref, axis: number, ids: Ref): Ref {
  const a = normAxis(axis, x.shape.length);
  const k = ids.shape.length;
  const shape = [...x.shape.slice(0, a), ...ids.shape, ...x.shape.slice(a + 1)];
  return build(shape, (idx) => {
    const id = at(ids, idx.slice(a, a + k));
    if (!(id >= 0 && id < x.shape[a])) throw new Error(`reference indexSelect: id ${id} out of range`);
    return at(x, [...idx.slice(0, a), id, ...idx.slice(a + k)]);
  });
}

// ---- neural-network ops -----------------------------------------------------------------------------

/** The values of x along `axis` through multi-index idx (idx[axis] ignored). */
function lane(x: Ref, axis: number, idx: readonly number[]): number[] {
  return Array.from({ length: x.shape[axis] }, (_, j) => at(x, idx.map((v, i) => (i === axis ? j : v))));
}

/** log Σ eᵛ, shifted by the max so it neither overflows nor underflows. */
export function logSumExp(vs: readonly number[]): number {
  const m = Math.max(...vs);
  if (m === -Infinity) return -Infinity; // every value is -∞ (Σ eᵛ = 0)
  return m + Math.log(vs.reduce((s, v) => s + Math.exp(v - m), 0));
}

export function logSoftmax(x: Ref, axis = -1): Ref {
  const a = normAxis(axis, x.shape.length);
  return build(x.shape, (idx) => at(x, idx) - logSumExp(lane(x, a, idx)));
}

export function softmax(x: Ref, axis = -1): Ref {
  const a = normAxis(axis, x.shape.length);
  return build(x.shape, (idx) => {
    const vs = lane(x, a, idx);
    const m = Math.max(...vs);
    return Math.exp(at(x, idx) - m) / vs.reduce((s, v) => s + Math.exp(v - m), 0);
  });
}

/** Mean over rows whose target ≠ ignoreIndex (default -100) of logsumexp(row) − row[target]; NaN if every row is ignored. */
export function crossEntropy(logits: Ref, targets: Ref, options: { ignoreIndex?: number } = {}): Ref {
  const ignore = options.ignoreIndex ?? -100;
  const V = logits.shape[logits.shape.length - 1];
  let s = 0, count = 0;
  for (let r = 0; r < targets.data.length; r++) {
    const t = targets.data[r];
    if (t === ignore) continue;
    if (!(t >= 0 && t < V)) throw new Error(`reference crossEntropy: target ${t} out of range`);
    const row = Array.from(logits.data.subarray(r * V, (r + 1) * V));
    s += logSumExp(row) - row[t];
    count++;
  }
  return scalar(s / count);
}

/** (x − mean) / √(var + eps) over the last axis (biased variance, two passes), then · weight + bias. */
export function layerNorm(x: Ref, weight: Ref | null = null, bias: Ref | null = null, eps = 1e-5): Ref {
  const C = x.shape[x.shape.length - 1];
  const out = zerosRef(x.shape);
  for (let r = 0; r * C < x.data.length; r++) {
    const row = x.data.subarray(r * C, (r + 1) * C);
    let mu = 0;
    for (const v of row) mu += v;
    mu /= C;
    let variance = 0;
    for (const v of row) variance += (v - mu) * (v - mu);
    variance /= C;
    for (let j = 0; j < C; j++) {
      const xhat = (row[j] - mu) / Math.sqrt(variance + eps);
      out.data[r * C + j] = weight && bias ? xhat * weight.data[j] + bias.data[j] : xhat;
    }
  }
  return out;
}

/**
 * Dropout has no deterministic reference (the mask is random): with p = 0 or training off it is the
 * identity; otherwise every element is 0 or x/(1−p) (p = 1: all 0). Returns a description of the first
 * element breaking that, or null.
 */
export function dropoutViolation(x: Ref, y: Ref, p: number, training = true, relTol = 1e-12): string | null {
  if (x.shape.join() !== y.shape.join()) return `shape [${y.shape.join(', ')}], expected [${x.shape.join(', ')}]`;
  const identity = p === 0 || !training;
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i], out = y.data[i];
    if (identity) {
      if (!Object.is(out, v) && out !== v) return `element ${i}: ${out}, expected ${v} (identity)`;
      continue;
    }
    const scaled = p === 1 ? 0 : v / (1 - p);
    if (out === 0) continue;
    if (!(Math.abs(out - scaled) <= relTol * Math.abs(scaled))) return `element ${i}: ${out}, expected 0 or ${scaled} (x = ${v}, p = ${p})`;
  }
  return null;
}

/** RWKVMambaHybrid (spec §3.2) with zero initial state: h = w⊙h + (1−w)⊙u, s = A s + B u, y = C s + D⊙h. */
export function hybridScan(u: Ref, w: Ref, A: Ref, B: Ref, C: Ref, D: Ref): Ref {
  const [batch, T, ch] = u.shape;
  const N = A.shape[0];
  const out = zerosRef(u.shape);
  for (let b = 0; b < batch; b++) {
    const h = new Float64Array(ch), s = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const ut = u.data.subarray((b * T + t) * ch, (b * T + t + 1) * ch);
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let v = 0;
        for (let j = 0; j < N; j++) v += A.data[i * N + j] * s[j];
        for (let c = 0; c < ch; c++) v += B.data[i * ch + c] * ut[c];
        next[i] = v;
      }
      s.set(next);
      for (let c = 0; c < ch; c++) {
        h[c] = w.data[c] * h[c] + (1 - w.data[c]) * ut[c];
        let y = D.data[c] * h[c];
        for (let i = 0; i < N; i++) y += C.data[c * N + i] * s[i];
        out.data[(b * T + t) * ch + c] = y;
      }
    }
  }
  return out;
}

/**
 * RWKV-v4 WKV in open-i3's form (spec §4.2), from its closed form with a fresh state: bonus u on the
 * past tokens, w = −exp(timeDecay), and the 1e-8 of the original (which sits at the max-shifted scale,
 * so it is added as 1e-8 · e^{max exponent}).
 */
export function wkv(k: Ref, v: Ref, timeDecay: Ref, timeFirst: Ref): Ref {
  const [batch, T, ch] = k.shape;
  const out = zerosRef(k.shape);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < ch; c++) {
      const w = -Math.exp(timeDecay.data[c]), u = timeFirst.data[c];
      const at = (t: number) => (b * T + t) * ch + c;
      for (let t = 0; t < T; t++) {
        // exponents of every term, then the max shift the kernel's recurrence ends up with
        const exps: number[] = [], vals: number[] = [];
        for (let i = 0; i < t; i++) { exps.push(u + (t - 1 - i) * w + k.data[at(i)]); vals.push(v.data[at(i)]); }
        exps.push(k.data[at(t)]); vals.push(v.data[at(t)]);
        const p = Math.max(...exps, t === 0 ? -1e30 : -Infinity);
        let num = 0, den = 0;
        exps.forEach((e, i) => { num += Math.exp(e - p) * vals[i]; den += Math.exp(e - p); });
        out.data[at(t)] = num / (den + 1e-8);
      }
    }
  }
  return out;
}

/** The ops above by op name (dropout's entry is its validity check). */
export const REFERENCE = {
  neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where,
  sum, mean, max, reshape, permute, expand, slice, contiguous, toDType, concat, matmul, indexSelect,
  softmax, logSoftmax, crossEntropy, layerNorm, hybridScan, wkv, dropout: dropoutViolation,
} as const;
