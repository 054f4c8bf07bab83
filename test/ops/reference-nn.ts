// Naive float64 references of the neural-network ops: softmax, logSoftmax, crossEntropy, layerNorm,
// dropout's validity check, and the fused recurrences hybridScan and wkv.
import { at, build, normAxis, scalar, zerosRef, type Ref } from './reference-base.ts';

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
