// Naive float64 reference implementations of every op in the op table, written from the math and
// independent of the engine: plain row-major arrays, nested index loops, no strides, no kernels, no
// imports from src/. test/ops/forward.test.ts compares the engine against these. This file gathers
// them and their helpers under one import; they are written by family in reference-base.ts (the Ref
// type, indexing, broadcasting), reference-elementwise.ts, reference-reductions.ts, reference-shape.ts
// and reference-nn.ts.
import {
  neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where,
} from './reference-elementwise.ts';
import { sum, mean, max, matmul } from './reference-reductions.ts';
import { reshape, permute, expand, slice, contiguous, toDType, concat, indexSelect } from './reference-shape.ts';
import { softmax, logSoftmax, crossEntropy, layerNorm, hybridScan, wkv, dropoutViolation } from './reference-nn.ts';

export { type Ref, sizeOf, ref, scalar, unravel, ravel, at, broadcastShape } from './reference-base.ts';
export * from './reference-elementwise.ts';
export * from './reference-reductions.ts';
export * from './reference-shape.ts';
export * from './reference-nn.ts';

/** The references by op name (dropout's entry is its validity check). */
export const REFERENCE = {
  neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, softplus, erf,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where,
  sum, mean, max, reshape, permute, expand, slice, contiguous, toDType, concat, matmul, indexSelect,
  softmax, logSoftmax, crossEntropy, layerNorm, hybridScan, wkv, dropout: dropoutViolation,
} as const;
