// Fused layer norm over the last axis, forward and backward, in WebAssembly SIMD, float32
// (kernels/cpu/layer-norm.ts has the formulas, the reference loops and the derivation link).
// x is (rows, C) contiguous, rows = B·T; weight and bias (C) or absent (then w = 1, b = 0).
//
// Rows are copied in a block at a time and padded to whole v128s (rows.ts); before each reduction the
// kernel writes a neutral value into the padding: x's gets the row's mean (x − mean = 0 there, so x̂ = 0
// and every product with it vanishes), dy's gets 0.
// Per row, forward: Σx (SIMD) → mean, Σ(x − mean)² → rstd, y = (x − mean)·rstd·w + b.
// Backward: Σ dy·w and Σ dy·w·x̂ → the two means, dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂));
// ∂w += dy·x̂ and ∂b += dy accumulate in wasm memory over all rows (float32 lanes; the reference
// sums in float64). float64 and non-contiguous operands go to the TypeScript kernels.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { layerNormKernels } from '../cpu/layer-norm.ts';
import { sharedArena } from './arena.ts';
import type { Local } from './body.ts';
import { ModuleBuilder } from './module.ts';
import { blockRows, copyRowsIn, copyRowsOut, denseF32, eachRow, eachVector, f32, fillPadding, laneSum, padded } from './rows.ts';

interface LayerNormExports {
  /** Normalises `rows` rows of stride 4·C4 bytes at x into y; writes mean, rstd (f32 per row). */
  forward(x: number, y: number, w: number, b: number, mean: number, rstd: number, rows: number, C: number, C4: number, invC: number, eps: number): void;
  /** dx for `rows` rows; adds dy·x̂ into dw and dy into db (C4 floats each). */
  backward(dy: number, x: number, dx: number, w: number, mean: number, rstd: number, dw: number, db: number, rows: number, C: number, C4: number, invC: number): void;
}

function layerNormModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('forward', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f32'], [], (f) => {
      const [x, y, w, b, meanP, rstdP, rows, C, C4, invC, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => f.param(i));
      const acc = f.local('v128'), d = f.local('v128'), mean = f.local('f32'), meanV = f.local('v128'), rstdV = f.local('v128');
      const zero = f.local('f32');
      eachRow(f, rows, C4, [x, y], () => {
        fillPadding(f, x, C, C4, zero);
        f.f32x4Const(0).set(acc);
        eachVector(f, C4, (o) => { f.get(acc).get(x).get(o).i32Add().v128Load().f32x4Add().set(acc); });
        laneSum(f, acc);
        f.get(invC).f32Mul().set(mean);
        f.get(mean).f32x4Splat().set(meanV);
        fillPadding(f, x, C, C4, mean); // x − mean = 0 in the padding
        f.f32x4Const(0).set(acc);
        eachVector(f, C4, (o) => {
          f.get(x).get(o).i32Add().v128Load().get(meanV).f32x4Sub().tee(d).get(d).f32x4Mul().get(acc).f32x4Add().set(acc);
        });
        // rstd = 1/√(Σ(x − mean)²/C + eps), in all four lanes
        laneSum(f, acc);
        f.get(invC).f32Mul().get(eps).f32Add().f32x4Splat().f32x4Sqrt().set(rstdV);
        f.f32x4Const(1).get(rstdV).f32x4Div().set(rstdV);
        eachVector(f, C4, (o) => {
          f.get(y).get(o).i32Add();
          f.get(x).get(o).i32Add().v128Load().get(meanV).f32x4Sub().get(rstdV).f32x4Mul();
          f.get(w).get(o).i32Add().v128Load().f32x4Mul().get(b).get(o).i32Add().v128Load().f32x4Add().v128Store();
        });
        f.get(meanP).get(mean).f32Store().get(rstdP).get(rstdV).f32x4ExtractLane(0).f32Store();
        f.get(meanP).i32Const(4).i32Add().set(meanP).get(rstdP).i32Const(4).i32Add().set(rstdP);
      });
    })
    .func('backward', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32'], [], (f) => {
      const [dy, x, dx, w, meanP, rstdP, dw, db, rows, C, C4, invC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => f.param(i));
      const zero = f.local('f32'), mean = f.local('f32');
      const meanV = f.local('v128'), rstdV = f.local('v128'), g = f.local('v128'), xhat = f.local('v128'), dxhat = f.local('v128');
      const sum1 = f.local('v128'), sum2 = f.local('v128'), m1 = f.local('v128'), m2 = f.local('v128');
      eachRow(f, rows, C4, [dy, x, dx], () => {
        f.get(meanP).f32Load().set(mean).get(mean).f32x4Splat().set(meanV);
        f.get(rstdP).v128Load32Splat().set(rstdV);
        fillPadding(f, x, C, C4, mean); // x̂ = 0 in the padding
        fillPadding(f, dy, C, C4, zero);
        f.f32x4Const(0).set(sum1).f32x4Const(0).set(sum2);
        const loadXhat = (o: Local) => f.get(x).get(o).i32Add().v128Load().get(meanV).f32x4Sub().get(rstdV).f32x4Mul().set(xhat);
        const loadDxhat = (o: Local) => f.get(dy).get(o).i32Add().v128Load().tee(g).get(w).get(o).i32Add().v128Load().f32x4Mul().set(dxhat);
        eachVector(f, C4, (o) => {
          loadXhat(o);
          loadDxhat(o);
          f.get(sum1).get(dxhat).f32x4Add().set(sum1);
          f.get(sum2).get(dxhat).get(xhat).f32x4Mul().f32x4Add().set(sum2);
          // ∂w += dy·x̂, ∂b += dy
          f.get(dw).get(o).i32Add().get(dw).get(o).i32Add().v128Load().get(g).get(xhat).f32x4Mul().f32x4Add().v128Store();
          f.get(db).get(o).i32Add().get(db).get(o).i32Add().v128Load().get(g).f32x4Add().v128Store();
        });
        laneSum(f, sum1);
        f.get(invC).f32Mul().f32x4Splat().set(m1);
        laneSum(f, sum2);
        f.get(invC).f32Mul().f32x4Splat().set(m2);
        eachVector(f, C4, (o) => {
          loadXhat(o);
          loadDxhat(o);
          f.get(dx).get(o).i32Add();
          f.get(dxhat).get(m1).f32x4Sub().get(xhat).get(m2).f32x4Mul().f32x4Sub().get(rstdV).f32x4Mul().v128Store();
        });
        f.get(meanP).i32Const(4).i32Add().set(meanP).get(rstdP).i32Const(4).i32Add().set(rstdP);
      });
    });
}

let exports: (() => LayerNormExports) | undefined;
const ts = layerNormKernels();

/** Byte layout of one call: three row blocks of `block` rows, then 6 vectors of C4 (w, b, dw, db, mean, rstd). */
function layout(C4: number, rowCount: number) {
  const block = blockRows(C4, rowCount);
  const rowsBytes = 4 * block * C4, vec = 4 * Math.max(C4, block);
  const base = 3 * rowsBytes;
  const at = { a: 0, b: rowsBytes, c: 2 * rowsBytes, w: base, bias: base + vec, dw: base + 2 * vec, db: base + 3 * vec, mean: base + 4 * vec, rstd: base + 5 * vec };
  sharedArena.ensure(base + 6 * vec);
  exports ??= sharedArena.register<LayerNormExports>(layerNormModule().bytes()).exports;
  return { block, at, run: exports() };
}

/** Writes w, b (or 1, 0 without weights) into the layout's parameter vectors. */
function loadParams(w: View | undefined, b: View | undefined, C: number, C4: number, at: { w: number; bias: number }): void {
  const mem = sharedArena.f32;
  if (w) mem.set(f32(w).subarray(w.offset, w.offset + C), at.w / 4); else mem.fill(1, at.w / 4, at.w / 4 + C);
  if (b) mem.set(f32(b).subarray(b.offset, b.offset + C), at.bias / 4); else mem.fill(0, at.bias / 4, at.bias / 4 + C);
  mem.fill(0, at.w / 4 + C, at.w / 4 + C4); // padding lanes of w and b: y's padding is then finite, and dropped
  mem.fill(0, at.bias / 4 + C, at.bias / 4 + C4);
}

/** inputs: x, [weight, bias]; outputs: y, mean (rows), rstd (rows); attrs: eps. */
const layerNorm: Kernel = (inputs, outputs, attrs) => {
  const [x, w, b] = inputs, [y, meanOut, rstdOut] = outputs;
  if (!denseF32([...inputs, ...outputs])) return ts.layerNorm(inputs, outputs, attrs);
  const C = x.shape[x.shape.length - 1], C4 = padded(C);
  const rows = meanOut.shape.reduce((p, q) => p * q, 1);
  if (rows === 0 || C === 0) return ts.layerNorm(inputs, outputs, attrs);
  const { block, at, run } = layout(C4, rows);
  loadParams(w, b, C, C4, at);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const n = Math.min(block, rows - r0);
    copyRowsIn(x, r0, n, C, C4, at.a);
    run.forward(at.a, at.b, at.w, at.bias, at.mean, at.rstd, n, C, C4, 1 / C, attrs.eps as number);
    copyRowsOut(y, r0, n, C, C4, at.b);
    const mem = sharedArena.f32;
    f32(meanOut).set(mem.subarray(at.mean / 4, at.mean / 4 + n), meanOut.offset + r0);
    f32(rstdOut).set(mem.subarray(at.rstd / 4, at.rstd / 4 + n), rstdOut.offset + r0);
  }
};

/** inputs: dy, x, mean, rstd, [weight]; outputs: dx, [dweight, dbias]. */
const layerNormBackward: Kernel = (inputs, outputs, attrs) => {
  const [dy, x, meanIn, rstdIn, w] = inputs, [dx, dw, db] = outputs;
  if (!denseF32([...inputs, ...outputs])) return ts.layerNormBackward(inputs, outputs, attrs);
  const C = x.shape[x.shape.length - 1], C4 = padded(C);
  const rows = meanIn.shape.reduce((p, q) => p * q, 1);
  if (rows === 0 || C === 0) return ts.layerNormBackward(inputs, outputs, attrs);
  const { block, at, run } = layout(C4, rows);
  loadParams(w, undefined, C, C4, at);
  sharedArena.f32.fill(0, at.dw / 4, at.dw / 4 + C4);
  sharedArena.f32.fill(0, at.db / 4, at.db / 4 + C4);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const n = Math.min(block, rows - r0);
    copyRowsIn(dy, r0, n, C, C4, at.a);
    copyRowsIn(x, r0, n, C, C4, at.b);
    const mem = sharedArena.f32;
    mem.set(f32(meanIn).subarray(meanIn.offset + r0, meanIn.offset + r0 + n), at.mean / 4);
    mem.set(f32(rstdIn).subarray(rstdIn.offset + r0, rstdIn.offset + r0 + n), at.rstd / 4);
    run.backward(at.a, at.b, at.c, at.w, at.mean, at.rstd, at.dw, at.db, n, C, C4, 1 / C);
    copyRowsOut(dx, r0, n, C, C4, at.c);
  }
  const mem = sharedArena.f32;
  if (dw) f32(dw).set(mem.subarray(at.dw / 4, at.dw / 4 + C), dw.offset);
  if (db) f32(db).set(mem.subarray(at.db / 4, at.db / 4 + C), db.offset);
};

/** The float32 SIMD kernels 'layerNorm' and 'layerNormBackward' (float64 and strided views go to TS). */
export const wasmLayerNormKernels = (): Record<string, Kernel> => ({ layerNorm, layerNormBackward });
