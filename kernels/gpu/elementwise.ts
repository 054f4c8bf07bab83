// Elementwise kernels for the GPU: one thread per output element. The output is a fresh contiguous
// array; each input is any strided view, broadcast to the output's shape (stride 0 on broadcast axes).
// The math comes from the shared table (kernels/elementwise-math.ts), read into named variables.
//   source: function (d0, d1, …) { ix0, ix1, … = strided indices of this.thread.x;  x = d0[ix0]; …;  return expr; }

import { flatKernel, gpuMath, stridedIndices, type GPU, type IKernelRunShortcut, type StridedOperand } from './source.ts';

/** One elementwise kernel: the loop's shape, the strided operands and the expression over their names. */
export interface ElementwiseSpec {
  /** The output shape (the loop's shape). */
  shape: readonly number[];
  /** One per input, in argument order, with strides already broadcast to `shape`. */
  operands: readonly StridedOperand[];
  /** The variable each input is read into, e.g. ['a', 'b']. */
  names: readonly string[];
  /** A JavaScript expression of those names (written for the CPU; rewritten by gpuMath). */
  expr: string;
}

/** Kernel source of a strided elementwise loop, one thread per output element. */
export function elementwiseSource(spec: ElementwiseSpec): string {
  const args = spec.operands.map((_, k) => `d${k}`).join(', ');
  const reads = spec.names.map((name, k) => `const ${name} = d${k}[ix${k}];`).join(' ');
  return `function (${args}) {
  ${stridedIndices('this.thread.x', spec.shape, spec.operands)}
  ${reads}
  return ${gpuMath(spec.expr)};
}`;
}

/** The compiled elementwise kernel. */
export function elementwiseKernel(gpu: GPU, spec: ElementwiseSpec): IKernelRunShortcut {
  return flatKernel(gpu, elementwiseSource(spec), Math.max(1, spec.shape.reduce((p, q) => p * q, 1)));
}
