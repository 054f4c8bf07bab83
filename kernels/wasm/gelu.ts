// Exact GELU and its gradient in WebAssembly SIMD, float32 (the TypeScript kernels compute
// 0.5·x·(1 + erf(x/√2)) from a float64 series; kernels/elementwise-math.ts). With Φ the normal CDF,
//   gelu(x) = x·Φ(x),   gelu'(x) = Φ(x) + x·φ(x),   φ(x) = e^{−x²/2}/√(2π),
// and Φ from erfc of z = |x|/√2, which has no cancellation on either side:
//   Φ(x) = 1 − erfc(z)/2 for x ≥ 0,   erfc(z)/2 for x < 0.
// Dense float32 operands only; any other layout (broadcast, strided, float64) goes to the TS kernel.

import type { Kernel } from '../../src/backend/backend.ts';
import type { Local } from './body.ts';
import { activationKernels, region } from './chunked.ts';
import { sharedArena } from './arena.ts';
import { ModuleBuilder, type FunctionBody } from './module.ts';
import { emitErfc, emitExp, mathScratch } from './simd-math.ts';

interface GeluExports {
  /** region 1 = gelu(region 0), elements [0, n). */
  gelu(n: number): void;
  /** region 2 = region 0 · gelu'(region 1), elements [0, n): inputs (g, x). */
  geluGrad(n: number): void;
}

/** Loops o over [0, 4n) bytes in steps of 16, running `body(o)`. */
function eachVector(f: FunctionBody, n: Local, body: (o: Local) => void): void {
  const o = f.local('i32'), end = f.local('i32');
  f.get(n).i32Const(2).i32Shl().set(end);
  f.block().loop();
  f.get(o).get(end).i32GeS().brIf(1);
  body(o);
  f.get(o).i32Const(16).i32Add().set(o);
  f.br(0).end().end();
}

/** phi = Φ(x) for the v128 local x. */
function emitPhi(f: FunctionBody, x: Local, phi: Local, scratch: ReturnType<typeof mathScratch>): void {
  f.get(x).f32x4Abs().f32x4Const(Math.SQRT1_2).f32x4Mul().set(phi);
  emitErfc(f, phi, phi, scratch);
  f.get(phi).f32x4Const(0.5).f32x4Mul().set(phi); // erfc(z)/2 = Φ(−|x|)
  // x ≥ 0 ? 1 − erfc/2 : erfc/2
  f.f32x4Const(1).get(phi).f32x4Sub().get(phi).get(x).f32x4Const(0).f32x4Ge().v128Bitselect().set(phi);
}

function geluModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('gelu', ['i32'], [], (f) => {
      const x = f.local('v128'), phi = f.local('v128'), scratch = mathScratch(f);
      eachVector(f, f.param(0), (o) => {
        f.get(o).v128Load(region(0)).set(x);
        emitPhi(f, x, phi, scratch);
        f.get(o).get(x).get(phi).f32x4Mul().v128Store(region(1));
      });
    })
    .func('geluGrad', ['i32'], [], (f) => {
      const x = f.local('v128'), phi = f.local('v128'), density = f.local('v128'), scratch = mathScratch(f);
      eachVector(f, f.param(0), (o) => {
        f.get(o).v128Load(region(1)).set(x);
        emitPhi(f, x, phi, scratch);
        f.get(x).get(x).f32x4Mul().f32x4Const(-0.5).f32x4Mul().set(density);
        emitExp(f, density, density, scratch);
        // g · (Φ + x·φ), φ = e^{−x²/2} / √(2π)
        f.get(o).get(o).v128Load(region(0));
        f.get(phi).get(x).get(density).f32x4Mul().f32x4Const(0.3989422804014327).f32x4Mul().f32x4Add();
        f.f32x4Mul().v128Store(region(2));
      });
    });
}

let exports: (() => GeluExports) | undefined;
const module = (): GeluExports => (exports ??= sharedArena.register<GeluExports>(geluModule().bytes()).exports)();

/** The SIMD kernels for 'gelu' and 'geluGrad', each falling back to `ts` for non-dense or float64 operands. */
export const wasmGeluKernels = (ts: Record<string, Kernel>): Record<string, Kernel> =>
  activationKernels('gelu', ts, module);
