// CPU kernels for elementwise ops: each is the strided loop of strided.ts with a body compiled from
// the shared math table (kernels/elementwise-math.ts). Inputs may be any strided view and are
// broadcast to the output's shape; the output may itself be a strided view (for in-place writes).

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { BINARY_MATH, UNARY_MATH } from '../elementwise-math.ts';
import { erf } from '../special.ts';
import { broadcastStrides, compileStridedLoop, type Operand } from './strided.ts';

const helpers = { erf };

/** The operand that reads `v` broadcast to `shape`. */
export function operand(v: View, shape: readonly number[]): Operand {
  return { data: v.storage.data as TypedArray, offset: v.offset, strides: broadcastStrides(v.shape, v.strides, shape) };
}

function elementwise(arity: number, body: string): Kernel {
  const loop = compileStridedLoop(arity + 1, body, helpers);
  return (inputs, [out]) => loop(out.shape, [operand(out, out.shape), ...inputs.map((v) => operand(v, out.shape))]);
}

/** Kernels named after the op: 'exp', 'add', …; and '<op>Grad' computing g · dy/dx for unary ops. */
export function elementwiseKernels(): Record<string, Kernel> {
  const kernels: Record<string, Kernel> = {};
  for (const [name, math] of Object.entries(UNARY_MATH)) {
    kernels[name] = elementwise(1, `{ const x = d1[i1]; d0[i0] = ${math.forward}; }`);
    // inputs: g, x, y (the forward output)
    kernels[`${name}Grad`] = elementwise(3, `{ const x = d2[i2], y = d3[i3]; d0[i0] = d1[i1] * (${math.derivative}); }`);
  }
  for (const [name, expr] of Object.entries(BINARY_MATH)) {
    kernels[name] = elementwise(2, `{ const a = d1[i1], b = d2[i2]; d0[i0] = ${expr}; }`);
  }
  kernels.where = elementwise(3, 'd0[i0] = d1[i1] !== 0 ? d2[i2] : d3[i3]');
  // copy: also casts between dtypes (typed-array assignment converts) and materialises views.
  kernels.copy = elementwise(1, 'd0[i0] = d1[i1]');
  return kernels;
}
