// Batched matmul on the CPU: out[..., M, N] = a[..., M, K] · b[..., K, N], where the batch dims of a
// and b broadcast against each other (stride 0 on a broadcast axis, so nothing is copied). Each batch
// element is one call of the packed, register-blocked kernel in matmul.ts, which reads any strides,
// so transposed views need no copy either.

import type { Kernel } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { contiguousStrides } from '../../src/tensor/shape.ts';
import { matmulInto, type FloatArray } from './matmul.ts';
import { broadcastStrides } from './strided.ts';

/** The batched kernel over one 2-D kernel with matmulInto's contract (the CPU backend passes the
 *  WebAssembly SIMD one for float32, kernels/wasm/kernels.ts). */
export const batchedMatmulOf = (matmul2d: typeof matmulInto): Kernel => ([a, b], [out]) => {
  const r = out.shape.length;
  const [M, N] = [out.shape[r - 2], out.shape[r - 1]];
  const K = a.shape[a.shape.length - 1];
  const batchShape = out.shape.slice(0, -2);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), batchShape);
  const outBatch = contiguousStrides(batchShape);
  const batches = batchShape.reduce((p, q) => p * q, 1);
  const [aRow, aCol] = a.strides.slice(-2), [bRow, bCol] = b.strides.slice(-2);
  const ad = a.storage.data as FloatArray, bd = b.storage.data as FloatArray, od = out.storage.data as TypedArray as FloatArray;
  for (let i = 0; i < batches; i++) {
    let aOff = a.offset, bOff = b.offset, rest = i;
    for (let d = 0; d < batchShape.length; d++) {
      const idx = Math.floor(rest / outBatch[d]);
      rest -= idx * outBatch[d];
      aOff += idx * aBatch[d];
      bOff += idx * bBatch[d];
    }
    matmul2d(od, out.offset + i * M * N, ad, aOff, aRow, aCol, bd, bOff, bRow, bCol, M, N, K, false);
  }
};

/** The kernel 'matmul' (batched, any strides, over matmulInto), for the CPU kernel table. */
export const matmulKernels = (): Record<string, Kernel> => ({ matmul: batchedMatmulOf(matmulInto) });
