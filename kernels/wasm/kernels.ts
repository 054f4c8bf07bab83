// The WebAssembly SIMD kernels as CPU-backend table entries. Each one runs float32 through the SIMD
// code and hands float64 (and layouts it does not take) to the TypeScript reference kernel: one table
// entry serves both dtypes.

import type { Kernel } from '../../src/backend/backend.ts';
import { batchedMatmulOf } from '../cpu/batched-matmul.ts';
import { matmulInto, type FloatArray } from '../cpu/matmul.ts';
import { wasmAdamwKernels } from './adamw.ts';
import { wasmBinaryKernels } from './binary.ts';
import { wasmColumnSumKernels } from './column-sum.ts';
import { wasmCrossEntropyKernels } from './cross-entropy.ts';
import { wasmGeluKernels } from './gelu.ts';
import { wasmHybridScanKernels } from './hybrid-scan.ts';
import { wasmLayerNormKernels } from './layer-norm.ts';
import { wasmReluKernels } from './relu.ts';
import { matmulF32, SIMD_MIN_PRODUCT } from './matmul.ts';
import { residentBudget, residentWeights, type ResidentWeights } from './resident.ts';
import { wasmSoftmaxKernels } from './softmax.ts';
import { wasmWkvKernels } from './wkv.ts';

/** matmulInto's contract, float32 on SIMD (tiny products, below SIMD_MIN_PRODUCT, in TypeScript);
 *  weights of one-to-three-row products resident in wasm memory when `resident` is given (the arrays
 *  are CPU storages, whose writes the backend reports). */
const matmulSimdOrTs = (resident: ResidentWeights | undefined): typeof matmulInto =>
  (c, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate) => {
    if (M * N * K >= SIMD_MIN_PRODUCT && c instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) {
      matmulF32(c, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate, resident);
    } else {
      matmulInto(c as FloatArray, cOffset, a, aOffset, ars, acs, b, bOffset, brs, bcs, M, N, K, accumulate);
    }
  };

/** `ts`: the TypeScript table, for the cases the SIMD kernels hand back; `env`: I3_RESIDENT_MB=0
 *  turns weight residency off (resident.ts). */
export const wasmKernels = (ts: Record<string, Kernel>, env = globalThis.process?.env ?? {}): Record<string, Kernel> => ({
  matmul: batchedMatmulOf(matmulSimdOrTs(residentBudget(env) > 0 ? residentWeights : undefined)),
  ...wasmAdamwKernels(),
  ...wasmBinaryKernels(ts),
  ...wasmColumnSumKernels(ts),
  ...wasmGeluKernels(ts),
  ...wasmReluKernels(ts),
  ...wasmCrossEntropyKernels(),
  ...wasmLayerNormKernels(),
  ...wasmSoftmaxKernels(),
  ...wasmWkvKernels(),
  ...wasmHybridScanKernels(ts, matmulSimdOrTs(undefined)),
});
