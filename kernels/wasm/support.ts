// Which float32 kernels the CPU backend uses: the WebAssembly SIMD ones where the engine supports
// 128-bit SIMD (every Node ≥ 16.4 and current browser), else the TypeScript ones. The environment
// variable I3_KERNELS chooses explicitly:
//   I3_KERNELS=ts     the TypeScript kernels (kernels/cpu/), e.g. to compare or to rule SIMD out
//   I3_KERNELS=wasm   the SIMD kernels, and an error if the engine lacks WebAssembly SIMD
//   unset / auto      SIMD where supported
// float64 always uses the TypeScript kernels (WebAssembly SIMD has f64x2, but float64 is our
// gradient-checking dtype, where clarity beats speed).
// The matmul kernels multiply-add with one fused instruction (relaxed SIMD's f32x4.relaxed_madd) where
// the engine has it, halving their arithmetic instructions; I3_FMA=off keeps them on f32x4.mul then
// f32x4.add (to compare, or to get the same rounding on every engine).

import { enableRelaxedSimd } from './engine-flags-node.ts';
import { ModuleBuilder } from './module.ts';

/** Which float32 kernels run: the TypeScript ones or the WebAssembly SIMD ones. */
export type KernelChoice = 'ts' | 'wasm';

/** Whether this engine validates a module using v128 (f32x4.add of two loads). */
export function wasmSimdSupported(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  const probe = new ModuleBuilder().func('probe', ['i32'], [], (f) => {
    const p = f.param(0);
    f.get(p).get(p).v128Load().get(p).v128Load(16).f32x4Add().v128Store();
  });
  return WebAssembly.validate(probe.bytes());
}

let fused: boolean | undefined;

/** Whether the matmul kernels use f32x4.relaxed_madd: I3_FMA=off (read per call) says no; otherwise yes
 *  if the engine validates a module using it, after turning relaxed SIMD on where it is behind a flag
 *  (Node 20: engine-flags-node.ts). The engine is probed once per process, before a fused module is built. */
export function useFusedMultiplyAdd(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): boolean {
  const wanted = env.I3_FMA ?? 'auto';
  if (wanted !== 'off' && wanted !== 'auto' && wanted !== '') throw new Error(`I3_FMA='${wanted}' is not one of off, auto (unset means auto)`);
  if (wanted === 'off') return false;
  if (fused === undefined) {
    const probe = new ModuleBuilder().func('probe', ['i32'], [], (f) => {
      const p = f.param(0);
      f.get(p).get(p).v128Load().get(p).v128Load(16).get(p).v128Load(32).f32x4RelaxedMadd().v128Store();
    }).bytes();
    if (typeof WebAssembly !== 'object') fused = false;
    else if (WebAssembly.validate(probe)) fused = true;
    else {
      enableRelaxedSimd();
      fused = WebAssembly.validate(probe);
    }
  }
  return fused;
}

/** The kernels to use for float32, from I3_KERNELS and the engine's support. */
export function kernelChoice(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): KernelChoice {
  const wanted = env.I3_KERNELS ?? 'auto';
  if (wanted === 'ts') return 'ts';
  if (wanted !== 'wasm' && wanted !== 'auto' && wanted !== '') {
    throw new Error(`I3_KERNELS='${wanted}' is not one of ts, wasm, auto (unset means auto)`);
  }
  const supported = wasmSimdSupported();
  if (wanted === 'wasm' && !supported) {
    throw new Error('I3_KERNELS=wasm: this JavaScript engine does not support WebAssembly SIMD (v128); use I3_KERNELS=ts');
  }
  return supported ? 'wasm' : 'ts';
}
