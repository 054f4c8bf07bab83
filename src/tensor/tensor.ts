// The Tensor: a view (shape, strides, offset) onto a backend's storage, plus the autograd fields.
// Views share storage, so reshape / transpose / slice / expand cost no copy; storage is freed when
// the last tensor viewing it is disposed. Glossary of the autograd fields:
//   requiresGrad — gradients should flow to this tensor;  grad — accumulated dL/d(this), leaves only;
//   gradFn — the graph node that produced this tensor (null for leaves and constants).

import type { Storage, View } from '../backend/backend.ts';
import { countStorage, countTensor, track, type Disposable } from '../backend/memory.ts';
import { backward as runBackward } from '../autograd/backward.ts';
import type { DType, TypedArray } from './dtype.ts';
import { contiguousStrides, fmt, isContiguousLayout, sizeOf, type Shape } from './shape.ts';

/** A recorded operation: how to turn the gradient of its output into gradients of its inputs. */
export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Null once backward has run without `retainGraph` and the saved tensors were released. */
  backward: ((grad: Tensor) => ReadonlyArray<Tensor | null>) | null;
  /** Temporaries the node owns (e.g. a dropout mask); disposed with the node. */
  readonly saved: readonly Tensor[];
}

let nextId = 0;

/**
 * An n-dimensional array: a view (shape, strides, offset) of a backend's storage, and a node of the
 * autograd graph. Create with `tensor()`, `zeros()`, …; compute with the ops.
 */
export class Tensor implements View, Disposable {
  readonly id = nextId++;
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: GraphNode | null = null;
  private disposed = false;

  /** Internal: ops and creation functions build tensors; users call `tensor()`, `zeros()`, … */
  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    if (storage.refs === 0) countStorage(storage, 1);
    storage.refs++;
    countTensor(storage.backend.name, 1);
    track(this);
  }

  get dtype(): DType { return this.storage.dtype; }
  get backend(): string { return this.storage.backend.name; }
  get ndim(): number { return this.shape.length; }
  get size(): number { return sizeOf(this.shape); }
  get isDisposed(): boolean { return this.disposed; }

  /** True when the elements are laid out row-major with no gaps, so the storage can be read directly. */
  get isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  /**
   * Reverse-mode autodiff from this tensor: accumulates dL/dx into `.grad` of every leaf that requires
   * grad. A non-scalar needs the seed gradient `grad` (same shape). See autograd/backward.ts.
   */
  backward(grad?: Tensor, options?: { retainGraph?: boolean }): void {
    runBackward(this, grad, options);
  }

  /** Frees this view; the storage goes when its last view does. Disposing twice is harmless. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    countTensor(this.storage.backend.name, -1);
    if (--this.storage.refs === 0) {
      countStorage(this.storage, -1);
      this.storage.backend.release(this.storage);
    }
    this.gradFn = null;
  }

  /** Throws a clear error when a disposed tensor is used. */
  assertAlive(op: string): void {
    if (this.disposed) {
      throw new Error(`${op}: tensor #${this.id} ${fmt(this.shape)} was disposed (by dispose() or at the end of a scope); keep() it or create it outside the scope`);
    }
  }

  /** The elements as a flat typed array in row-major order (a copy). */
  data(): TypedArray {
    this.assertAlive('data');
    return this.storage.backend.toHost(this);
  }

  /**
   * The elements as a flat typed array, on every backend: where reading back is asynchronous (the gpu
   * backend on WebGPU) data() and item() throw, and this is the way to read.
   */
  async dataAsync(): Promise<TypedArray> {
    this.assertAlive('dataAsync');
    const backend = this.storage.backend;
    return backend.read ? backend.read(this) : backend.toHost(this);
  }

  /** The value of a one-element tensor, on every backend (see dataAsync). */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) throw new Error(`itemAsync: tensor has shape ${fmt(this.shape)} (${this.size} elements); itemAsync() needs exactly one`);
    return (await this.dataAsync())[0];
  }

  /** The elements as nested arrays, like the input of `tensor()`. */
  toArray(): NestedArray {
    const flat = this.data();
    if (this.ndim === 0) return flat[0];
    const build = (dim: number, start: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++) out[i] = dim === this.ndim - 1 ? flat[start + i] : build(dim + 1, start + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has shape ${fmt(this.shape)} (${this.size} elements); item() needs exactly one`);
    return this.data()[0];
  }

  toString(): string {
    if (this.disposed) return `Tensor(disposed, shape=${fmt(this.shape)}, dtype=${this.dtype})`;
    const grad = this.gradFn ? `, gradFn=${this.gradFn.op}` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `Tensor(${formatValues(this.data(), this.shape)}, shape=${fmt(this.shape)}, dtype=${this.dtype}${grad})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Nested number arrays, as `tensor()` takes and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

/** NumPy-style printing: nested brackets, at most `edge` items shown at each end of an axis. */
function formatValues(flat: TypedArray, shape: Shape, edge = 3): string {
  const isInt = flat instanceof Int32Array;
  const num = (v: number) => (isInt ? String(v) : Number.isInteger(v) ? v.toFixed(1) : Number(v.toPrecision(5)).toString());
  const rec = (dim: number, start: number): string => {
    if (dim === shape.length) return num(flat[start]);
    const n = shape[dim];
    const stride = sizeOf(shape.slice(dim + 1));
    const idx = n > 2 * edge ? [...Array(edge).keys(), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    const sep = dim === shape.length - 1 ? ', ' : ',\n' + ' '.repeat(dim + 8);
    return '[' + idx.map((i) => (i < 0 ? '...' : rec(dim + 1, start + i * stride))).join(sep) + ']';
  };
  return rec(0, 0);
}
