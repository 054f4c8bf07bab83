// The fused hybrid scan (kernels/cpu/hybrid-scan.ts has the recurrence, its backward and the derivation
// link) for float32 with its matrix products in WebAssembly SIMD. Shapes: u (B, T, C), A (N, N),
// B (N, C), C (C, N). Most of the arithmetic is in products that are independent of the recurrence
// (U Bᵀ and S Cᵀ forward; G_y C, G_s B, G_sᵀ U, G_yᵀ S and ∂A backward: 2·B·T·N·C multiply-adds each,
// against B·T·(N² + 3C) in the sequential loops), so the same kernels are built over the SIMD product
// and float32 scratch (the recurrent state, S, G_s and the parameter gradients round to float32 as they
// go, where the TypeScript kernel keeps them in float64). The sequential loops stay scalar TypeScript:
// at the presets' N = 16–32 and C = 128–512 they are ≈ 10 % of the multiply-adds. float64 goes to TS.

import type { Kernel } from '../../src/backend/backend.ts';
import { hybridScanKernelsOf } from '../cpu/hybrid-scan.ts';
import type { matmulInto } from '../cpu/matmul.ts';

/** `matmul2d`: matmulInto's contract, float32 on SIMD (kernels.ts); `ts`: the TypeScript table. */
export function wasmHybridScanKernels(ts: Record<string, Kernel>, matmul2d: typeof matmulInto): Record<string, Kernel> {
  const simd = hybridScanKernelsOf({ matmul: matmul2d, Scratch: Float32Array });
  const pick = (name: string): Kernel => (inputs, outputs, attrs) =>
    (inputs[0].dtype === 'float32' ? simd : ts)[name](inputs, outputs, attrs);
  return { hybridScan: pick('hybridScan'), hybridScanBackward: pick('hybridScanBackward') };
}
