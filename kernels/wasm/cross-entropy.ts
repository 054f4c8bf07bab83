// Fused cross-entropy (kernels/cpu/cross-entropy.ts has the formula, the reference loops and the
// derivation link) with its exponentials in WebAssembly SIMD, float32. The exps are nearly all of the
// work: V per row forward (Σ e^{x−max}) and V per row backward (softmax = e^{x−lse}). Per row, the
// logits are copied into wasm memory (padded to a multiple of 4 with −∞, whose exp is exactly 0):
//   forward   max = rowMax (SIMD), e^{x−max} (SIMD), their sum (SIMD Kahan-compensated lane sums, added
//             up in float64 by TypeScript), lse = max + log(sum)
//   backward  dx = e^{x−lse}·scale (SIMD), copied out, then dx[target] −= scale
// float64, non-contiguous logits and a padded row beyond 4 GiB go to the TS kernels.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { crossEntropyKernels } from '../cpu/cross-entropy.ts';
import { sharedArena } from './arena.ts';
import { ModuleBuilder } from './module.ts';
import { eachVectorGroup, emitRowMax, GROUP } from './rows.ts';
import { emitExp, mathScratches } from './simd-math.ts';

interface CrossEntropyExports {
  /** max of the n4 floats at byte address x (n4 a positive multiple of 4). */
  rowMax(x: number, n4: number): number;
  /** Σ src[i] for i < n4 as GROUP Kahan-compensated lane sums: writes GROUP (sum, c) v128 pairs at
   *  byte address out; the total is Σ (sum − c) over them (compensatedTotal). */
  kahanSum(src: number, n4: number, out: number): void;
  /** dst[i] = e^{src[i] − shift}·scale for i < n4 (byte addresses, n4 a multiple of 4). */
  expShift(src: number, dst: number, n4: number, shift: number, scale: number): void;
}

function crossEntropyModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('rowMax', ['i32', 'i32'], ['f32'], (f) => {
      emitRowMax(f, f.param(0), f.param(1), -Infinity);
    })
    .func('kahanSum', ['i32', 'i32', 'i32'], [], (f) => {
      const [src, n, out] = [0, 1, 2].map((i) => f.param(i));
      // Kahan summation per vector slot (Higham, Accuracy and Stability, §4.3): y = x − c, t = sum + y,
      // c = (t − sum) − y, sum = t; the error stays ≈ 2ε·|total| however many terms (V = 32,000).
      // A pass of its own over the exps (in L1): fused into expShift's loop it was slower, 12.7 against
      // 7.7 + 1.2 ns per vector, its accumulators crowding the exps out of the 16 registers.
      const sum = f.localList('v128', GROUP), c = f.localList('v128', GROUP);
      const y = f.local('v128'), t = f.local('v128');
      eachVectorGroup(f, n, (o, count) => {
        for (let i = 0; i < count; i++) {
          f.get(src).get(o).i32Add().v128Load(16 * i).get(c[i]).f32x4Sub().set(y);
          f.get(sum[i]).get(y).f32x4Add().set(t);
          f.get(t).get(sum[i]).f32x4Sub().get(y).f32x4Sub().set(c[i]);
          f.get(t).set(sum[i]);
        }
      });
      for (let i = 0; i < GROUP; i++) f.get(out).get(sum[i]).v128Store(32 * i).get(out).get(c[i]).v128Store(32 * i + 16);
    })
    .func('expShift', ['i32', 'i32', 'i32', 'f32', 'f32'], [], (f) => {
      const [src, dst, n, shift, scale] = [0, 1, 2, 3, 4].map((i) => f.param(i));
      const shiftV = f.local('v128'), scaleV = f.local('v128');
      const e = f.localList('v128', GROUP), scratch = mathScratches(f, GROUP);
      f.get(shift).f32x4Splat().set(shiftV).get(scale).f32x4Splat().set(scaleV);
      eachVectorGroup(f, n, (o, count) => {
        const es = e.slice(0, count);
        es.forEach((ei, i) => f.get(src).get(o).i32Add().v128Load(16 * i).get(shiftV).f32x4Sub().set(ei));
        emitExp(f, es, es, scratch);
        es.forEach((ei, i) => f.get(dst).get(o).i32Add().get(ei).get(scaleV).f32x4Mul().v128Store(16 * i));
      });
    });
}

/** The float64 total of kahanSum's output at float index `at`: Σ over slots and lanes of sum − c. */
function compensatedTotal(mem: Float32Array, at: number): number {
  let total = 0;
  for (let i = 0; i < GROUP; i++) for (let lane = 0; lane < 4; lane++) total += mem[at + 8 * i + lane] - mem[at + 8 * i + 4 + lane];
  return total;
}

let exports: (() => CrossEntropyExports) | undefined;
const ts = crossEntropyKernels();
const arr = (v: View) => v.storage.data as TypedArray;

/** Copies row r of the logits into wasm memory at float index 0, padded with −∞; returns the padded length. */
function loadRow(logits: View, r: number, V: number): number {
  const V4 = Math.ceil(V / 4) * 4;
  const o = logits.offset + r * V;
  sharedArena.f32.set((logits.storage.data as Float32Array).subarray(o, o + V), 0);
  sharedArena.f32.fill(-Infinity, V, V4);
  return V4;
}

/** float32 logits that are a dense (N, V) block: the SIMD path applies. */
const simdApplies = (logits: View): boolean =>
  logits.dtype === 'float32' && logits.shape.length === 2 && logits.strides[1] === 1 && logits.strides[0] === logits.shape[1];

function prepare(V: number): CrossEntropyExports {
  exports ??= sharedArena.register<CrossEntropyExports>(crossEntropyModule().bytes()).exports;
  const V4 = Math.ceil(V / 4) * 4;
  sharedArena.ensure(4 * (2 * V4 + 8 * GROUP)); // the row, then its exps; kahanSum's sums over the row
  return exports();
}

const crossEntropy: Kernel = (inputs, outputs, attrs) => {
  const [logits, targets] = inputs, [loss, lseOut] = outputs;
  if (!simdApplies(logits)) return ts.crossEntropy(inputs, outputs, attrs);
  const ignoreIndex = attrs.ignoreIndex as number;
  const [N, V] = logits.shape;
  const { rowMax, expShift, kahanSum } = prepare(V);
  const tg = arr(targets), lse = arr(lseOut), xs = arr(logits);
  let total = 0, count = 0;
  for (let r = 0; r < N; r++) {
    const t = tg[targets.offset + r];
    if (t !== ignoreIndex && (t < 0 || t >= V)) {
      throw new Error(`crossEntropy: target ${t} at row ${r} is outside the vocabulary [0, ${V}) (ignoreIndex is ${ignoreIndex})`);
    }
    const V4 = loadRow(logits, r, V);
    const max = rowMax(0, V4);
    expShift(0, 4 * V4, V4, max, 1);
    kahanSum(4 * V4, V4, 0); // over the row, which is no longer needed
    lse[lseOut.offset + r] = max + Math.log(compensatedTotal(sharedArena.f32, 0));
    if (t === ignoreIndex) continue;
    total += lse[lseOut.offset + r] - xs[logits.offset + r * V + t];
    count++;
  }
  arr(loss)[loss.offset] = total / count; // 0/0 = NaN when every target is ignored, as in PyTorch
};

const crossEntropyBackward: Kernel = (inputs, outputs, attrs) => {
  const [g, logits, targets, lseIn] = inputs, [dlogits] = outputs;
  if (!simdApplies(logits) || dlogits.dtype !== 'float32') return ts.crossEntropyBackward(inputs, outputs, attrs);
  const ignoreIndex = attrs.ignoreIndex as number;
  const [N, V] = logits.shape;
  const { expShift } = prepare(V);
  const tg = arr(targets), lse = arr(lseIn), dx = arr(dlogits);
  let count = 0;
  for (let r = 0; r < N; r++) if (tg[targets.offset + r] !== ignoreIndex) count++;
  const scale = arr(g)[g.offset] / count;
  for (let r = 0; r < N; r++) {
    const t = tg[targets.offset + r], d = dlogits.offset + r * V;
    if (t === ignoreIndex) {
      dx.fill(0, d, d + V);
      continue;
    }
    const V4 = loadRow(logits, r, V);
    expShift(0, 4 * V4, V4, lse[lseIn.offset + r], scale);
    dx.set(sharedArena.f32.subarray(V4, V4 + V), d);
    dx[d + t] -= scale;
  }
};

/** The float32 SIMD kernels 'crossEntropy' and 'crossEntropyBackward'. */
export const wasmCrossEntropyKernels = (): Record<string, Kernel> => ({ crossEntropy, crossEntropyBackward });
