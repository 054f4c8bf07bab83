// The fused AdamW update (kernels/cpu/adamw.ts has the formula and the reference loop) in WebAssembly
// SIMD, float32, four elements per instruction. The gradient, parameter and moments are copied into
// wasm memory a chunk at a time (chunked.ts: 16 KiB each, all four in L1), updated there, and the
// three updated arrays copied back; the copies are memcpy-speed TypedArray.set calls.

import type { Kernel } from '../../src/backend/backend.ts';
import { adamwKernels, adamwOperands, type AdamWAttrs } from '../cpu/adamw.ts';
import { sharedArena } from './arena.ts';
import { region, runChunked } from './chunked.ts';
import { ModuleBuilder } from './module.ts';

const [G, P, M, V] = [0, 1, 2, 3].map(region); // byte offsets of the four operands' regions

interface AdamWExports {
  /** Updates elements [0, n) of the regions (n ≤ CHUNK; computes up to the next multiple of 4). */
  adamw(n: number, beta1: number, beta2: number, eps: number, decay: number, stepSize: number, sqrtC2: number): void;
}

function adamwModule(): ModuleBuilder {
  return new ModuleBuilder().func('adamw', ['i32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32'], [], (f) => {
    const n = f.param(0);
    // Splat every scalar once: b1, 1 − b1, b2, 1 − b2, eps, decay, stepSize, √c2.
    const splat = (build: () => void) => { const l = f.local('v128'); build(); f.f32x4Splat().set(l); return l; };
    const b1 = splat(() => f.get(f.param(1)));
    const oneMinusB1 = splat(() => f.f32Const(1).get(f.param(1)).f32Sub());
    const b2 = splat(() => f.get(f.param(2)));
    const oneMinusB2 = splat(() => f.f32Const(1).get(f.param(2)).f32Sub());
    const [eps, decay, stepSize, sqrtC2] = [3, 4, 5, 6].map((i) => splat(() => f.get(f.param(i))));
    const o = f.local('i32'), end = f.local('i32'), g = f.local('v128'), m = f.local('v128'), v = f.local('v128');
    f.get(n).i32Const(2).i32Shl().set(end);
    f.block().loop(); // for (o = 0; o < 4n; o += 16)
    f.get(o).get(end).i32GeS().brIf(1);
    f.get(o).v128Load(G).set(g);
    // m ← β1·m + (1 − β1)·g
    f.get(b1).get(o).v128Load(M).f32x4Mul().get(oneMinusB1).get(g).f32x4Mul().f32x4Add().set(m);
    f.get(o).get(m).v128Store(M);
    // v ← β2·v + g²·(1 − β2)
    f.get(b2).get(o).v128Load(V).f32x4Mul().get(g).get(g).f32x4Mul().get(oneMinusB2).f32x4Mul().f32x4Add().set(v);
    f.get(o).get(v).v128Store(V);
    // θ ← θ·decay − (m·stepSize) / (√v / √c2 + ε)
    f.get(o);
    f.get(o).v128Load(P).get(decay).f32x4Mul();
    f.get(m).get(stepSize).f32x4Mul();
    f.get(v).f32x4Sqrt().get(sqrtC2).f32x4Div().get(eps).f32x4Add();
    f.f32x4Div().f32x4Sub().v128Store(P);
    f.get(o).i32Const(16).i32Add().set(o);
    f.br(0).end().end();
  });
}

let exports: (() => AdamWExports) | undefined;

const adamwTs = adamwKernels().adamw;

/** float32: SIMD; float64: the TypeScript reference. */
const adamw: Kernel = (inputs, outputs, attrs) => {
  if (outputs[0].dtype !== 'float32') return adamwTs(inputs, outputs, attrs);
  const { beta1, beta2, eps, decay, stepSize, sqrtC2 } = attrs as unknown as AdamWAttrs;
  adamwOperands([inputs[0], ...outputs]); // dense, one dtype and size, or a readable error
  const bound = (exports ??= sharedArena.register<AdamWExports>(adamwModule().bytes()).exports);
  // exports() inside the callback: runChunked may replace the memory, and the instance with it.
  runChunked([inputs[0], ...outputs], [true, true, true, true], [false, true, true, true],
    (count) => bound().adamw(count, beta1, beta2, eps, decay, stepSize, sqrtC2));
};

/** The float32 SIMD kernel 'adamw' (float64 goes to the TypeScript loop). */
export const wasmAdamwKernels = (): Record<string, Kernel> => ({ adamw });
