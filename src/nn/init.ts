// Parameter creation shared by the layers: the i3 training script's initialisation (spec §3.4):
// every Linear and Embedding weight N(0, 0.02²), biases 0, LayerNorm weight 1 and bias 0.

import { full, rand, randn } from '../tensor/create.ts';
import type { Shape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { InitOptions } from './module.ts';

/** N(0, std²) values of `shape` (zeros when randomInit is false). */
export const normal = (shape: Shape, std: number, o: InitOptions): Tensor =>
  o.randomInit === false ? full(shape, 0, { dtype: o.dtype }) : randn(shape, { std, dtype: o.dtype, generator: o.generator });

/** Uniform values in [low, high) of `shape` (zeros when randomInit is false). */
export const uniform = (shape: Shape, low: number, high: number, o: InitOptions): Tensor =>
  o.randomInit === false ? full(shape, 0, { dtype: o.dtype }) : rand(shape, { low, high, dtype: o.dtype, generator: o.generator });

/** `value` everywhere. */
export const constant = (shape: Shape, value: number, o: InitOptions): Tensor => full(shape, value, { dtype: o.dtype });
