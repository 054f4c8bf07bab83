// Softmax over the last axis of a contiguous (rows, n) float32 matrix, forward and backward, in
// WebAssembly SIMD (kernels/cpu/softmax.ts has the reference loops; the formulas and their derivation:
// docs/derivations/softmax-cross-entropy.md). In attention, rows = B·H·T and n = the key positions.
//   forward   m = max(x, −FLT_MAX)  (a fully masked row of −∞ keeps m finite: e^{−∞−m} = 0, as the
//             TypeScript kernel's m = 0 gives, and the row ends as 0·(1/0) = NaN in both)
//             e = e^{x−m} (simd-math.ts), y = e / Σe
//   backward  dx = y ⊙ (g − Σ g ⊙ y)
// Rows are padded to whole v128s (rows.ts) with neutral values: −∞ for x (no effect on the max, e = 0),
// 0 for g and y. float64 and strided operands go to the TypeScript kernels.

import type { Kernel } from '../../src/backend/backend.ts';
import { softmaxKernels } from '../cpu/softmax.ts';
import { sharedArena } from './arena.ts';
import { ModuleBuilder } from './module.ts';
import { blockRows, copyRowsIn, copyRowsOut, denseF32, eachRow, eachVector, eachVectorGroup, emitRowMax, fillPadding, GROUP, laneSum, padded } from './rows.ts';
import { emitExp, mathScratches } from './simd-math.ts';

interface SoftmaxExports {
  /** y = softmax(x) for `rows` rows of n floats at stride 4·n4 bytes. */
  forward(x: number, y: number, rows: number, n: number, n4: number): void;
  /** dx = y ⊙ (g − Σ g ⊙ y), same layout. */
  backward(g: number, y: number, dx: number, rows: number, n: number, n4: number): void;
}

function softmaxModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('forward', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
      const [x, y, rows, n, n4] = [0, 1, 2, 3, 4].map((i) => f.param(i));
      const minusInf = f.local('f32'), acc = f.local('v128'), maxV = f.local('v128');
      const e = f.localList('v128', GROUP), scratch = mathScratches(f, GROUP);
      f.f32Const(-Infinity).set(minusInf);
      eachRow(f, rows, n4, [x, y], () => {
        fillPadding(f, x, n, n4, minusInf);
        emitRowMax(f, x, n4, -3.4028234663852886e38);
        f.f32x4Splat().set(maxV);
        f.f32x4Const(0).set(acc);
        eachVectorGroup(f, n4, (o, count) => {
          const es = e.slice(0, count);
          es.forEach((ei, i) => f.get(x).get(o).i32Add().v128Load(16 * i).get(maxV).f32x4Sub().set(ei));
          emitExp(f, es, es, scratch);
          es.forEach((ei, i) => f.get(y).get(o).i32Add().get(ei).v128Store(16 * i).get(acc).get(ei).f32x4Add().set(acc));
        });
        f.f32x4Const(1);
        laneSum(f, acc);
        f.f32x4Splat().f32x4Div().set(acc); // 1 / Σe in every lane
        eachVector(f, n4, (o) => { f.get(y).get(o).i32Add().get(y).get(o).i32Add().v128Load().get(acc).f32x4Mul().v128Store(); });
      });
    })
    .func('backward', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
      const [g, y, dx, rows, n, n4] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i));
      const zero = f.local('f32'), acc = f.local('v128');
      eachRow(f, rows, n4, [g, y, dx], () => {
        fillPadding(f, g, n, n4, zero);
        fillPadding(f, y, n, n4, zero);
        f.f32x4Const(0).set(acc);
        eachVector(f, n4, (o) => { f.get(acc).get(g).get(o).i32Add().v128Load().get(y).get(o).i32Add().v128Load().f32x4Mul().f32x4Add().set(acc); });
        laneSum(f, acc);
        f.f32x4Splat().set(acc); // Σ g ⊙ y in every lane
        eachVector(f, n4, (o) => {
          f.get(dx).get(o).i32Add();
          f.get(y).get(o).i32Add().v128Load().get(g).get(o).i32Add().v128Load().get(acc).f32x4Sub().f32x4Mul().v128Store();
        });
      });
    });
}

let exports: (() => SoftmaxExports) | undefined;
const ts = softmaxKernels();

/** `operands` (rows, n) row blocks at byte offsets 0, 1, 2… blocks apart; returns block rows and exports. */
function prepare(operands: number, n4: number, rows: number): { block: number; run: SoftmaxExports } {
  const block = blockRows(n4, rows);
  sharedArena.ensure(operands * 4 * block * n4);
  exports ??= sharedArena.register<SoftmaxExports>(softmaxModule().bytes()).exports;
  return { block, run: exports() };
}

/** inputs: x (rows, n); output: y = softmax(x) along the last axis. */
const softmax: Kernel = (inputs, outputs, attrs) => {
  const [x] = inputs, [y] = outputs;
  const n = x.shape[x.shape.length - 1], rows = n === 0 ? 0 : x.shape.reduce((p, q) => p * q, 1) / n;
  if (rows === 0 || !denseF32([x, y])) return ts.softmax(inputs, outputs, attrs);
  const n4 = padded(n), { block, run } = prepare(2, n4, rows), bytes = 4 * block * n4;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const count = Math.min(block, rows - r0);
    copyRowsIn(x, r0, count, n, n4, 0);
    run.forward(0, bytes, count, n, n4);
    copyRowsOut(y, r0, count, n, n4, bytes);
  }
};

/** inputs: g, y (rows, n); output: dx = y ⊙ (g − Σ g ⊙ y) per row. */
const softmaxBackward: Kernel = (inputs, outputs, attrs) => {
  const [g, y] = inputs, [dx] = outputs;
  const n = y.shape[y.shape.length - 1], rows = n === 0 ? 0 : y.shape.reduce((p, q) => p * q, 1) / n;
  if (rows === 0 || !denseF32([g, y, dx])) return ts.softmaxBackward(inputs, outputs, attrs);
  const n4 = padded(n), { block, run } = prepare(3, n4, rows), bytes = 4 * block * n4;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const count = Math.min(block, rows - r0);
    copyRowsIn(g, r0, count, n, n4, 0);
    copyRowsIn(y, r0, count, n, n4, bytes);
    run.backward(0, bytes, 2 * bytes, count, n, n4);
    copyRowsOut(dx, r0, count, n, n4, 2 * bytes);
  }
};

/** The float32 SIMD kernels 'softmax' and 'softmaxBackward' (float64 and strided views go to TS). */
export const wasmSoftmaxKernels = (): Record<string, Kernel> => ({ softmax, softmaxBackward });
