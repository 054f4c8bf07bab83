// The CPU backend's two kernel sets, for benches that compare them in one process: the TypeScript
// kernels (I3_KERNELS=ts) and the default (WebAssembly SIMD where the engine has it). cpuKernels()
// reads I3_KERNELS when called, so building both tables here and registering one at a time gives
// interleaved rounds in the same process, with the same JIT state and the same machine load.
import { cpuBackend } from '../src/backend/cpu.ts';
import { cpuKernels } from '../src/backend/cpu-kernels.ts';
import type { Kernel } from '../src/backend/backend.ts';
import { kernelChoice } from '../kernels/wasm/support.ts';

export interface KernelSet { name: string; kernels: Record<string, Kernel> }

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

/** Registers every kernel of `set` on the CPU backend. */
export function useKernels(set: KernelSet): void {
  for (const [name, kernel] of Object.entries(set.kernels)) cpuBackend.register(name, kernel);
}
