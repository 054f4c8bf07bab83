// Sum and max over any set of axes on the GPU: one thread per output element loops over the reduced
// elements (a constant bound), reading the input through its strides. Accumulation is float32.
//   out[o] = Σ_r x[base(o) + idx(r)]   (base: strided index of the kept coordinates; idx: of the reduced ones)

import { flatKernel, lit, stridedIndices, type GPU, type IKernelRunShortcut } from './source.ts';

/** One reduction: sum or max of a strided view into the kept axes of `outShape`. */
export interface ReduceSpec {
  kind: 'sum' | 'max';
  /** The input view. */
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  /** The output in keepdim form: reduced axes have size 1. */
  outShape: readonly number[];
}

/** Kernel source of a reduction, one thread per output element looping over the reduced ones. */
export function reduceSource(spec: ReduceSpec): string {
  const kept = spec.shape.map((d, a) => spec.outShape[a] === d);
  const pick = (want: boolean, xs: readonly number[]) => xs.filter((_, a) => kept[a] === want);
  const keptShape = pick(true, spec.shape), redShape = pick(false, spec.shape);
  const R = redShape.reduce((p, q) => p * q, 1);
  const init = spec.kind === 'sum' ? '0' : lit(-Infinity);
  const step = spec.kind === 'sum' ? 'acc += v;' : 'if (v > acc) { acc = v; }';
  return `function (x) {
  ${stridedIndices('this.thread.x', keptShape, [{ strides: pick(true, spec.strides), offset: spec.offset }], 'o')}
  let acc = ${init};
  for (let r = 0; r < ${R}; r++) {
    ${stridedIndices('r', redShape, [{ strides: pick(false, spec.strides), offset: 0 }], 'k')}
    const v = x[o0 + k0];
    ${step}
  }
  return acc;
}`;
}

/** The compiled reduction kernel. */
export function reduceKernel(gpu: GPU, spec: ReduceSpec): IKernelRunShortcut {
  const outSize = spec.outShape.reduce((p, q) => p * q, 1);
  const R = spec.shape.reduce((p, q) => p * q, 1) / Math.max(1, outSize);
  return flatKernel(gpu, reduceSource(spec), Math.max(1, outSize), R);
}
