// The CPU backend's two kernel sets, for benches that compare them in one process: the TypeScript
// kernels (I3_KERNELS=ts) and the default (WebAssembly SIMD where the engine has it). cpuKernels()
// reads I3_KERNELS when called, so building both tables here and registering one at a time gives
// interleaved rounds in the same process, with the same JIT state and the same machine load.
// withoutFma() adds the SIMD set without relaxed SIMD's fused multiply-add, for before/after rows.
import { cpuBackend } from '../src/backend/cpu.ts';
import { cpuKernels } from '../src/backend/cpu-kernels.ts';
import type { Kernel } from '../src/backend/backend.ts';
import { useFusedMultiplyAdd, kernelChoice } from '../kernels/wasm/support.ts';

/** `env`: environment variables the set runs under (set by useKernels), e.g. I3_FMA=off. */
export interface KernelSet { name: string; kernels: Record<string, Kernel>; env?: Record<string, string> }

export function kernelSets(): KernelSet[] {
  const saved = process.env.I3_KERNELS;
  try {
    process.env.I3_KERNELS = 'ts';
    const ts = cpuKernels();
    process.env.I3_KERNELS = 'auto';
    const auto = cpuKernels();
    return kernelChoice({ I3_KERNELS: 'auto' }) === 'wasm' ? [{ name: 'ts', kernels: ts }, { name: 'wasm', kernels: auto }] : [{ name: 'ts', kernels: ts }];
  } finally {
    if (saved === undefined) delete process.env.I3_KERNELS;
    else process.env.I3_KERNELS = saved;
  }
}

/** The SIMD set with f32x4.mul + f32x4.add in the matmul kernels instead of the fused multiply-add
 *  (I3_FMA=off), or nothing where the engine has no relaxed SIMD (then the SIMD set is already that). */
export function withoutFma(simd: KernelSet): KernelSet[] {
  return useFusedMultiplyAdd({}) ? [{ name: 'wasm mul+add', kernels: simd.kernels, env: { I3_FMA: 'off' } }] : [];
}

/** Registers every kernel of `set` on the CPU backend and sets its environment (I3_FMA unset unless it names it). */
export function useKernels(set: KernelSet): void {
  for (const [name, kernel] of Object.entries(set.kernels)) cpuBackend.register(name, kernel);
  delete process.env.I3_FMA;
  Object.assign(process.env, set.env);
}
