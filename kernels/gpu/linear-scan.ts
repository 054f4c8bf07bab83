// Linear recurrences x_t = P x_{t−1} + q_t over time on the GPU, for the hybrid scan (P = A for the
// state s, P = diag(w) for the EMA h, and their transposes backward, run in reverse). gpu.js threads
// cannot wait for each other, so instead of T sequential steps this is the Hillis–Steele scan
// (Blelloch, "Prefix sums and their applications", 1990) in ⌈log2 T⌉ passes: pass d = 1, 2, 4, … adds
//   x_t ← x_t + P^d x_{t−d}            (reverse: x_t ← x_t + P^d x_{t+d})
// after which x_t = Σ_{τ ≤ t} P^{t−τ} q_τ. The powers P^d are squared between passes (a matmul, or an
// elementwise square for a diagonal). Arrays are (batch, T, N) row-major from offset 0 (temporaries).

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/**
 * One scan: batch rows, T steps, N state entries; a diagonal P (the EMA) or a dense one; forward or
 * reverse time.
 */
export interface ScanSpec { batch: number; T: number; N: number; diagonal: boolean; reverse: boolean }

/** Statements leaving (P^d) · x_src in `add`: a mat-vec over the row, or one product for a diagonal P. */
function applyP(s: ScanSpec, vector: (m: string) => string, pOffset = 0): string {
  if (s.diagonal) return `add = P[${pOffset} + n] * ${vector('n')};`;
  return `for (let m = 0; m < ${s.N}; m++) { add += P[${pOffset} + n * ${s.N} + m] * ${vector('m')}; }`;
}

const coords = (s: ScanSpec) => `const i = this.thread.x;
  ${divmod('i', s.N, 'bt', 'n')}
  ${divmod('bt', s.T, 'b', 't')}`;

/** One pass: args (x, P). */
export function scanPassSource(s: ScanSpec, d: number): string {
  const src = s.reverse ? `t + ${d}` : `t - ${d}`;
  const valid = s.reverse ? `t + ${d} < ${s.T}` : `t >= ${d}`;
  const at = (m: string) => `x[(b * ${s.T} + ${src}) * ${s.N} + ${m}]`;
  return `function (x, P) {
  ${coords(s)}
  let add = 0;
  if (${valid}) {
    ${applyP(s, at)}
  }
  return x[i] + add;
}`;
}

/** The initial state enters as step −1: x_0 += P · init[b]. args (x, P, init); P and init from their offsets. */
export function scanSeedSource(s: ScanSpec, pOffset: number, initOffset: number): string {
  const at = (m: string) => `init[${initOffset} + b * ${s.N} + ${m}]`;
  return `function (x, P, init) {
  ${coords(s)}
  let add = 0;
  if (t === 0) {
    ${applyP(s, at, pOffset)}
  }
  return x[i] + add;
}`;
}

/** x_{t−1} for every step, with init[b] before step 0: args (x, init). */
export function shiftSource(s: ScanSpec, xOffset: number, initOffset: number): string {
  return `function (x, init) {
  ${coords(s)}
  if (t === 0) { return init[${initOffset} + b * ${s.N} + n]; }
  return x[${xOffset} + i - ${s.N}];
}`;
}

/** Compiles one pass of the scan, one thread per (batch, step, entry). */
export function scanKernel(gpu: GPU, source: string, s: ScanSpec): IKernelRunShortcut {
  return flatKernel(gpu, source, Math.max(1, s.batch * s.T * s.N), s.N);
}
