// A plain batched matmul for the GPU: one thread per output element, a K-long dot product with a
// constant bound. Any strides (transposed views cost nothing) and broadcast batch dims. This is the
// reference GPU kernel; tiled ones (kernels/gpu/matmul*.ts) replace it where they apply.
//   out[b, m, n] = Σ_k a[b, m, k] · b[b, k, n]

import { divmod, stridedIndices, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** One matmul operand: its strides over the batch dims and its row and column strides, and its offset. */
export interface MatmulOperand {
  /** Strides over the output's batch dims (0 where broadcast), then the row and column strides. */
  batchStrides: readonly number[];
  row: number;
  col: number;
  offset: number;
}

/** One batched matmul: the output's batch shape, M, N, K and both operands' layouts. */
export interface MatmulSpec { batchShape: readonly number[]; M: number; N: number; K: number; a: MatmulOperand; b: MatmulOperand }

/** Kernel source of the reference matmul: one thread per output element, a loop over K. */
export function naiveMatmulSource({ batchShape, M, N, K, a, b }: MatmulSpec): string {
  return `function (a, b) {
  const i = this.thread.x;
  ${divmod('i', N, 't', 'n')}
  ${divmod('t', M, 'bi', 'm')}
  ${stridedIndices('bi', batchShape, [{ strides: a.batchStrides, offset: a.offset }, { strides: b.batchStrides, offset: b.offset }])}
  const ar = ix0 + m * ${a.row};
  const bc = ix1 + n * ${b.col};
  let s = 0;
  for (let k = 0; k < ${K}; k++) {
    s += a[ar + k * ${a.col}] * b[bc + k * ${b.row}];
  }
  return s;
}`;
}

/** The compiled reference matmul kernel. */
export function naiveMatmulKernel(gpu: GPU, spec: MatmulSpec): IKernelRunShortcut {
  const batches = spec.batchShape.reduce((p, q) => p * q, 1);
  return flatKernel(gpu, naiveMatmulSource(spec), Math.max(1, batches * spec.M * spec.N), spec.K);
}
