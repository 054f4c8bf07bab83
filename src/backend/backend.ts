// The backend interface: where tensor memory lives and which kernels compute on it.
// Ops never name a backend; they ask the inputs' backend for a kernel by name (see ops/dispatch.ts).
// A backend registers kernels in a plain table, so a faster kernel can replace one entry at a time.

import type { DType, TypedArray } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';

/** One block of memory owned by a backend. Several tensors (views) may share it; `refs` counts them. */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  readonly size: number;
  /** The backend's handle: a typed array on the CPU, a buffer or texture on a GPU. */
  readonly data: unknown;
  refs: number;
}

/** What a kernel sees of a tensor: its storage and how to index it. */
export interface View {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * A kernel reads `inputs`, writes into `outputs` (already allocated by the op) and takes
 * op-specific attributes. Kernels never allocate tensors and never record gradients.
 */
export type Kernel = (inputs: readonly View[], outputs: readonly View[], attrs: Record<string, unknown>) => void;

/**
 * Where tensor memory lives and which kernels compute on it: storage allocation, reads and writes, and a
 * kernel table by name.
 */
export interface Backend {
  readonly name: string;
  /** dtypes this backend can store and compute in. */
  readonly dtypes: readonly DType[];
  /**
   * True when every new combination of shapes costs a kernel compile (gpu: tens of ms each). Callers that
   * can keep shapes steady from call to call do so there, e.g. attention over a growing key/value cache
   * reads the cache's whole buffer, masked, instead of one more key per token.
   */
  readonly compilesPerShape?: boolean;
  allocate(dtype: DType, size: number): Storage;
  /** Wraps (CPU) or uploads (GPU) host data. The backend may keep `data` without copying. */
  fromHost(data: TypedArray): Storage;
  /** A contiguous host copy of a view's elements, in row-major order. */
  toHost(view: View): TypedArray;
  /**
   * The same copy, asynchronously. Only backends whose reads cannot be synchronous need it (gpu on
   * WebGPU, where every readback is a mapAsync); Tensor.dataAsync() falls back to toHost otherwise.
   */
  read?(view: View): Promise<TypedArray>;
  release(storage: Storage): void;
  /** The kernel registered under `name` for `dtype`, or undefined. */
  kernel(name: string, dtype: DType): Kernel | undefined;
  /** Every kernel name this backend registers, for the coverage matrix. */
  kernelNames(): string[];
}

const backends = new Map<string, Backend>();
let defaultBackendName = 'cpu';

/** Makes a backend available by its name (replacing one of the same name). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** The backend called `name`, or the default one; an unknown name is an error listing those registered. */
export function getBackend(name?: string): Backend {
  const key = name ?? defaultBackendName;
  const backend = backends.get(key);
  if (!backend) {
    throw new Error(`backend '${key}' is not registered (registered: ${[...backends.keys()].join(', ') || 'none'})`);
  }
  return backend;
}

/** Every registered backend. */
export function listBackends(): Backend[] {
  return [...backends.values()];
}

/** Makes `name` the backend new tensors are created on when no backend is given. */
export function setDefaultBackend(name: string): void {
  getBackend(name);
  defaultBackendName = name;
}
