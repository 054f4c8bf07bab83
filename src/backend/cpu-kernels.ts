// The CPU kernel table: every kernel under kernels/cpu/, by name; where WebAssembly SIMD is supported
// (and I3_KERNELS is not 'ts', see kernels/wasm/support.ts) the SIMD kernels of kernels/wasm/ replace
// their entries for float32, and pass float64 on to the TypeScript ones.

import { adamwKernels } from '../../kernels/cpu/adamw.ts';
import { matmulKernels } from '../../kernels/cpu/batched-matmul.ts';
import { crossEntropyKernels } from '../../kernels/cpu/cross-entropy.ts';
import { elementwiseKernels } from '../../kernels/cpu/elementwise.ts';
import { gradNormKernels } from '../../kernels/cpu/grad-norm.ts';
import { hybridScanKernels } from '../../kernels/cpu/hybrid-scan.ts';
import { indexKernels } from '../../kernels/cpu/index-select.ts';
import { layerNormKernels } from '../../kernels/cpu/layer-norm.ts';
import { reduceKernels } from '../../kernels/cpu/reduce.ts';
import { softmaxKernels } from '../../kernels/cpu/softmax.ts';
import { wkvKernels } from '../../kernels/cpu/wkv.ts';
import { wasmKernels } from '../../kernels/wasm/kernels.ts';
import { kernelChoice } from '../../kernels/wasm/support.ts';
import type { Kernel } from './backend.ts';

/**
 * The CPU backend's kernel table: every kernel of kernels/cpu/ by name, with the WebAssembly SIMD ones in
 * place of their float32 entries where supported.
 */
export function cpuKernels(): Record<string, Kernel> {
  const ts: Record<string, Kernel> = {
    ...elementwiseKernels(),
    ...reduceKernels(),
    ...matmulKernels(),
    ...softmaxKernels(),
    ...layerNormKernels(),
    ...crossEntropyKernels(),
    ...indexKernels(),
    ...hybridScanKernels(),
    ...wkvKernels(),
    ...adamwKernels(),
    ...gradNormKernels(),
  };
  return kernelChoice() === 'wasm' ? { ...ts, ...wasmKernels(ts) } : ts;
}
