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
import { eachVectorGroup, GROUP } from './rows.ts';
import { emitErfc, emitExp, mathScratches, type MathScratch } from './simd-math.ts';

interface GeluExports {
  /** region 1 = gelu(region 0), elements [0, n). */
  gelu(n: number): void;
  /** region 2 = region 0 · gelu'(region 1), elements [0, n): inputs (g, x). */
  geluGrad(n: number): void;
}

/** phi[i] = Φ(x[i]) for v128 locals, every vector at once (simd-math.ts: interleaved chains). */
function emitPhi(f: FunctionBody, x: readonly Local[], phi: readonly Local[], scratch: readonly MathScratch[]): void {
  x.forEach((xi, i) => f.get(xi).f32x4Abs().f32x4Const(Math.SQRT1_2).f32x4Mul().set(phi[i]));
  emitErfc(f, phi, phi, scratch);
  x.forEach((xi, i) => {
    f.get(phi[i]).f32x4Const(0.5).f32x4Mul().set(phi[i]); // erfc(z)/2 = Φ(−|x|)
    // x ≥ 0 ? 1 − erfc/2 : erfc/2
    f.f32x4Const(1).get(phi[i]).f32x4Sub().get(phi[i]).get(xi).f32x4Const(0).f32x4Ge().v128Bitselect().set(phi[i]);
  });
}

function geluModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('gelu', ['i32'], [], (f) => {
      const x = f.localList('v128', GROUP), phi = f.localList('v128', GROUP), scratch = mathScratches(f, GROUP);
      eachVectorGroup(f, f.param(0), (o, count) => {
        const [xs, phis] = [x.slice(0, count), phi.slice(0, count)];
        xs.forEach((xi, i) => f.get(o).v128Load(region(0) + 16 * i).set(xi));
        emitPhi(f, xs, phis, scratch);
        xs.forEach((xi, i) => f.get(o).get(xi).get(phis[i]).f32x4Mul().v128Store(region(1) + 16 * i));
      });
    })
    .func('geluGrad', ['i32'], [], (f) => {
      const [x, phi, density] = [0, 1, 2].map(() => f.localList('v128', GROUP)), scratch = mathScratches(f, GROUP);
      eachVectorGroup(f, f.param(0), (o, count) => {
        const [xs, phis, densities] = [x.slice(0, count), phi.slice(0, count), density.slice(0, count)];
        xs.forEach((xi, i) => f.get(o).v128Load(region(1) + 16 * i).set(xi));
        emitPhi(f, xs, phis, scratch);
        xs.forEach((xi, i) => f.get(xi).get(xi).f32x4Mul().f32x4Const(-0.5).f32x4Mul().set(densities[i]));
        emitExp(f, densities, densities, scratch);
        // g · (Φ + x·φ), φ = e^{−x²/2} / √(2π)
        xs.forEach((xi, i) => {
          f.get(o).get(o).v128Load(region(0) + 16 * i);
          f.get(phis[i]).get(xi).get(densities[i]).f32x4Mul().f32x4Const(0.3989422804014327).f32x4Mul().f32x4Add();
          f.f32x4Mul().v128Store(region(2) + 16 * i);
        });
      });
    });
}

let exports: (() => GeluExports) | undefined;
const module = (): GeluExports => (exports ??= sharedArena.register<GeluExports>(geluModule().bytes()).exports)();

/** The SIMD kernels for 'gelu' and 'geluGrad', each falling back to `ts` for non-dense or float64 operands. */
export const wasmGeluKernels = (ts: Record<string, Kernel>): Record<string, Kernel> =>
  activationKernels('gelu', ts, module);
