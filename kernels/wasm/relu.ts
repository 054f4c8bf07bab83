// ReLU and its gradient in WebAssembly SIMD, float32, with the TypeScript kernels' exact semantics
// (kernels/elementwise-math.ts): relu(x) = x < 0 ? 0 : x (so −0 and NaN pass through), and
// reluGrad = g · (x > 0 ? 1 : 0) (so g·0 keeps its sign, and ∞·0 is NaN), both as a lane mask and a
// bitselect, with no branch to mispredict on random signs. RWKV's channel mix runs them over (B, T, 4C).
// Dense float32 operands only (chunked.ts); other layouts and float64 go to the TypeScript kernels.

import type { Kernel } from '../../src/backend/backend.ts';
import { sharedArena } from './arena.ts';
import { activationKernels, region } from './chunked.ts';
import type { FunctionBody, Local } from './body.ts';
import { ModuleBuilder } from './module.ts';
import { eachVector } from './rows.ts';

interface ReluExports {
  /** region 1 = relu(region 0), elements [0, n). */
  relu(n: number): void;
  /** region 2 = region 0 · (region 1 > 0 ? 1 : 0): inputs (g, x). */
  reluGrad(n: number): void;
}

function reluModule(): ModuleBuilder {
  const loop = (f: FunctionBody, body: (o: Local) => void) => eachVector(f, f.param(0), body);
  return new ModuleBuilder()
    .func('relu', ['i32'], [], (f) => {
      const x = f.local('v128');
      loop(f, (o) => {
        f.get(o).v128Load(region(0)).set(x);
        f.get(o).f32x4Const(0).get(x).get(x).f32x4Const(0).f32x4Lt().v128Bitselect().v128Store(region(1)); // x < 0 ? 0 : x
      });
    })
    .func('reluGrad', ['i32'], [], (f) => {
      loop(f, (o) => {
        f.get(o).get(o).v128Load(region(0));
        f.f32x4Const(1).f32x4Const(0).f32x4Const(0).get(o).v128Load(region(1)).f32x4Lt().v128Bitselect(); // 0 < x ? 1 : 0
        f.f32x4Mul().v128Store(region(2));
      });
    });
}

let exports: (() => ReluExports) | undefined;
const module = (): ReluExports => (exports ??= sharedArena.register<ReluExports>(reluModule().bytes()).exports)();

/** The SIMD kernels 'relu' and 'reluGrad', each falling back to `ts` for non-dense or float64 operands. */
export const wasmReluKernels = (ts: Record<string, Kernel>): Record<string, Kernel> =>
  activationKernels('relu', ts, module);
