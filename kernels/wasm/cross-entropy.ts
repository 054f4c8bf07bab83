// Fused cross-entropy (kernels/cpu/cross-entropy.ts has the formula, the reference loops and the
// derivation link) with its exponentials in WebAssembly SIMD, float32. The exps are nearly all of the
// work: V per row forward (Σ e^{x−max}) and V per row backward (softmax = e^{x−lse}). Per row, the
// logits are copied into wasm memory (padded to a multiple of 4 with −∞, whose exp is exactly 0):
//   forward   max = rowMax (SIMD), e^{x−max} (SIMD) summed in float64 by TypeScript, lse = max + log(sum)
//   backward  dx = e^{x−lse}·scale (SIMD), copied out, then dx[target] −= scale
// float64, non-contiguous logits and a padded row beyond 4 GiB go to the TS kernels.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { crossEntropyKernels } from '../cpu/cross-entropy.ts';
import { sharedArena } from './arena.ts';
import { ModuleBuilder } from './module.ts';
import { emitExp, mathScratch } from './simd-math.ts';

interface CrossEntropyExports {
  /** max of the n4 floats at byte address x (n4 a positive multiple of 4). */
  rowMax(x: number, n4: number): number;
  /** dst[i] = e^{src[i] − shift}·scale for i < n4 (byte addresses, n4 a multiple of 4). */
  expShift(src: number, dst: number, n4: number, shift: number, scale: number): void;
}

function crossEntropyModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('rowMax', ['i32', 'i32'], ['f32'], (f) => {
      const [x, n] = [f.param(0), f.param(1)];
      const end = f.local('i32'), acc = f.local('v128');
      f.get(x).get(n).i32Const(2).i32Shl().i32Add().set(end);
      f.get(x).v128Load().set(acc);
      f.loop(); // for (x += 16; x < end; x += 16) acc = max(acc, x)
      f.get(x).i32Const(16).i32Add().tee(x).get(end).i32LtS();
      f.if().get(acc).get(x).v128Load().f32x4Max().set(acc).br(1).end();
      f.end();
      for (let lane = 0; lane < 4; lane++) {
        f.get(acc).f32x4ExtractLane(lane);
        if (lane > 0) f.f32Max();
      }
    })
    .func('expShift', ['i32', 'i32', 'i32', 'f32', 'f32'], [], (f) => {
      const [src, dst, n, shift, scale] = [0, 1, 2, 3, 4].map((i) => f.param(i));
      const shiftV = f.local('v128'), scaleV = f.local('v128'), end = f.local('i32'), v = f.local('v128'), scratch = mathScratch(f);
      f.get(shift).f32x4Splat().set(shiftV).get(scale).f32x4Splat().set(scaleV);
      f.get(src).get(n).i32Const(2).i32Shl().i32Add().set(end);
      f.block().loop();
      f.get(src).get(end).i32GeS().brIf(1);
      f.get(src).v128Load().get(shiftV).f32x4Sub().set(v);
      emitExp(f, v, v, scratch);
      f.get(dst).get(v).get(scaleV).f32x4Mul().v128Store();
      f.get(src).i32Const(16).i32Add().set(src).get(dst).i32Const(16).i32Add().set(dst);
      f.br(0).end().end();
    });
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
  sharedArena.ensure(8 * (Math.ceil(V / 4) * 4)); // the row, then its exps
  return exports();
}

const crossEntropy: Kernel = (inputs, outputs, attrs) => {
  const [logits, targets] = inputs, [loss, lseOut] = outputs;
  if (!simdApplies(logits)) return ts.crossEntropy(inputs, outputs, attrs);
  const ignoreIndex = attrs.ignoreIndex as number;
  const [N, V] = logits.shape;
  const { rowMax, expShift } = prepare(V);
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
    const mem = sharedArena.f32;
    let sum = 0;
    for (let j = V4; j < V4 + V; j++) sum += mem[j];
    lse[lseOut.offset + r] = max + Math.log(sum);
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
