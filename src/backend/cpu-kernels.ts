// The CPU kernel table: every kernel under kernels/cpu/, by name.

import { matmulKernels } from '../../kernels/cpu/batched-matmul.ts';
import { crossEntropyKernels } from '../../kernels/cpu/cross-entropy.ts';
import { elementwiseKernels } from '../../kernels/cpu/elementwise.ts';
import { hybridScanKernels } from '../../kernels/cpu/hybrid-scan.ts';
import { indexKernels } from '../../kernels/cpu/index-select.ts';
import { layerNormKernels } from '../../kernels/cpu/layer-norm.ts';
import { reduceKernels } from '../../kernels/cpu/reduce.ts';
import { softmaxKernels } from '../../kernels/cpu/softmax.ts';
import { wkvKernels } from '../../kernels/cpu/wkv.ts';
import type { Kernel } from './backend.ts';

export function cpuKernels(): Record<string, Kernel> {
  return {
    ...elementwiseKernels(),
    ...reduceKernels(),
    ...matmulKernels(),
    ...softmaxKernels(),
    ...layerNormKernels(),
    ...crossEntropyKernels(),
    ...indexKernels(),
    ...hybridScanKernels(),
    ...wkvKernels(),
  };
}
