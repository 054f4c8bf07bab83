// Creating tensors: from nested arrays or typed arrays, constants, ranges, and seeded random values.

import { getBackend } from '../backend/backend.ts';
import '../backend/cpu.ts'; // the CPU backend is always registered, whatever the entry point
import { allocArray, dtypeOfArray, type DType, type TypedArray } from './dtype.ts';
import { defaultGenerator, type Generator } from './random.ts';
import { checkShape, fmt, sizeOf, type Shape } from './shape.ts';
import { Tensor, type NestedArray } from './tensor.ts';

/** Where and how a new tensor is made: dtype (float32 by default), backend, and whether it requires grad. */
export interface CreateOptions {
  dtype?: DType;
  /** Backend name; defaults to the default backend ('cpu'). */
  backend?: string;
  requiresGrad?: boolean;
}

function make(data: TypedArray, shape: Shape, options: CreateOptions): Tensor {
  const t = new Tensor(getBackend(options.backend).fromHost(data), shape);
  if (options.requiresGrad) {
    if (t.dtype === 'int32') throw new Error(`requiresGrad: an int32 tensor ${fmt(shape)} cannot require grad; use float32 or float64`);
    t.requiresGrad = true;
  }
  return t;
}

/**
 * A tensor from nested arrays (`[[1, 2], [3, 4]]`), a number, or a typed array (with `shape`).
 * The data is copied. dtype defaults to float32, or to the typed array's own type.
 */
export function tensor(data: NestedArray | TypedArray, options: CreateOptions & { shape?: Shape } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = options.dtype ?? dtypeOfArray(data);
    const shape = options.shape ?? [data.length];
    checkShape('tensor', shape);
    if (sizeOf(shape) !== data.length) throw new Error(`tensor: shape ${fmt(shape)} needs ${sizeOf(shape)} elements but the array has ${data.length}`);
    const copy = allocArray(dtype, data.length);
    copy.set(data);
    return make(copy, shape, options);
  }
  const shape = inferShape(data);
  if (options.shape && sizeOf(options.shape) !== sizeOf(shape)) {
    throw new Error(`tensor: shape ${fmt(options.shape)} does not match the data's shape ${fmt(shape)}`);
  }
  const flat = allocArray(options.dtype ?? 'float32', sizeOf(shape));
  let i = 0;
  const fill = (x: NestedArray) => {
    if (typeof x === 'number') flat[i++] = x;
    else for (const y of x) fill(y);
  };
  fill(data);
  return make(flat, options.shape ?? shape, options);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  for (let x = data; Array.isArray(x); x = x[0]) shape.push(x.length);
  const check = (x: NestedArray, dim: number, path: string) => {
    if (dim === shape.length) {
      if (typeof x !== 'number') throw new Error(`tensor: element ${path} is ${JSON.stringify(x)}, expected a number`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested array: element ${path} has ${Array.isArray(x) ? x.length : 'no'} items, expected ${shape[dim]} (shape so far ${fmt(shape)})`);
    }
    x.forEach((y, i) => check(y, dim + 1, `${path}[${i}]`));
  };
  check(data, 0, '');
  return shape;
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const data = allocArray(options.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) data.fill(value);
  return make(data, shape, options);
}

/** A tensor of zeros. */
export const zeros = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 0, options);
/** A tensor of ones. */
export const ones = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 1, options);
/** Zeros with the shape, dtype and backend of `t` (options override them). */
export const zerosLike = (t: Tensor, options: CreateOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, backend: t.backend, ...options });
/** Ones with the shape, dtype and backend of `t` (options override them). */
export const onesLike = (t: Tensor, options: CreateOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, backend: t.backend, ...options });

/** Values start, start+step, … below end (like Python's range). arange(n) is 0 … n-1. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocArray(options.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return make(data, [n], options);
}

/** CreateOptions plus the generator to draw from (the default one unless given). */
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** Uniform values in [low, high), from a seeded generator (the default one unless given). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  const { low = 0, high = 1, generator = defaultGenerator } = options;
  const data = allocArray(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * generator.uniform();
  return make(data, shape, options);
}

/** Normal values N(mean, std²), from a seeded generator (the default one unless given). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  const { mean = 0, std = 1, generator = defaultGenerator } = options;
  const data = allocArray(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * generator.normal();
  return make(data, shape, options);
}

/** Random integers in [0, n) as int32 (token ids, for example). */
export function randint(n: number, shape: Shape, options: RandomOptions = {}): Tensor {
  checkShape('randint', shape);
  const generator = options.generator ?? defaultGenerator;
  const data = allocArray('int32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = generator.int(n);
  return make(data, shape, { ...options, dtype: 'int32' });
}
