// The WebAssembly SIMD kernels as CPU-backend table entries. Each one runs float32 through the SIMD
// code and hands float64 (and layouts it does not take) to the TypeScript reference kernel: one table
// entry serves both dtypes.

import type { Kernel } from '../../src/backend/backend.ts';
import { batchedMatmulOf } from '../cpu/batched-matmul.ts';
import { matmulInto, type FloatArray } from '../cpu/matmul.ts';
import { wasmAdamwKernels } from './adamw.ts';
import { wasmCrossEntropyKernels } from './cross-entropy.ts';
import { wasmGeluKernels } from './gelu.ts';
import { wasmLayerNormKernels } from './layer-norm.ts';
import { matmulF32 } from './matmul.ts';

/** matmulInto's contract, float32 on SIMD. */
const matmulSimdOrTs: typeof matmulInto = (c, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate) => {
  if (c instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) {
    matmulF32(c, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate);
  } else {
    matmulInto(c as FloatArray, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate);
  }
};

/** `ts`: the TypeScript table, for the cases the SIMD kernels hand back. */
export const wasmKernels = (ts: Record<string, Kernel>): Record<string, Kernel> => ({
  matmul: batchedMatmulOf(matmulSimdOrTs),
  ...wasmAdamwKernels(),
  ...wasmGeluKernels(ts),
  ...wasmCrossEntropyKernels(),
  ...wasmLayerNormKernels(),
});
