// The CPU backend: storage is a typed array, kernels are the plain-TypeScript loops in kernels/cpu/.
// Every float kernel runs in float32 and float64; int32 is for ids and masks, so only data movement
// and comparisons are registered for it. To slot in a faster kernel, register it under the same name.

import { cpuKernels } from './cpu-kernels.ts';
import { allocArray, type DType, type TypedArray } from '../tensor/dtype.ts';
import { contiguousStrides, sizeOf } from '../tensor/shape.ts';
import { registerBackend, type Backend, type Kernel, type Storage, type View } from './backend.ts';

const FLOATS: readonly DType[] = ['float32', 'float64'];
const INT_KERNELS = new Set(['copy', 'where', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'indexSelect']);

class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];
  private readonly kernels = new Map<string, Kernel>();

  constructor(kernels: Record<string, Kernel>) {
    for (const [name, kernel] of Object.entries(kernels)) this.register(name, kernel);
  }

  /** Adds or replaces a kernel (e.g. a faster matmul) without touching any op. */
  register(name: string, kernel: Kernel): void {
    this.kernels.set(name, kernel);
  }

  allocate(dtype: DType, size: number): Storage {
    return { backend: this, dtype, size, data: allocArray(dtype, size), refs: 0 };
  }

  fromHost(data: TypedArray): Storage {
    const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
    return { backend: this, dtype, size: data.length, data, refs: 0 };
  }

  toHost(view: View): TypedArray {
    const out = allocArray(view.dtype, sizeOf(view.shape));
    const copy = this.kernels.get('copy')!;
    const storage: Storage = { backend: this, dtype: view.dtype, size: out.length, data: out, refs: 0 };
    copy([view], [{ storage, dtype: view.dtype, shape: view.shape, strides: contiguousStrides(view.shape), offset: 0 }], {});
    return out;
  }

  release(): void {
    // Typed arrays are garbage-collected; the ledger in memory.ts has already counted the release.
  }

  kernel(name: string, dtype: DType): Kernel | undefined {
    if (!FLOATS.includes(dtype) && !INT_KERNELS.has(name)) return undefined;
    return this.kernels.get(name);
  }

  kernelNames(): string[] {
    return [...this.kernels.keys()];
  }
}

/** The CPU backend (typed arrays), registered as 'cpu' and the default. */
export const cpuBackend = new CpuBackend(cpuKernels());
registerBackend(cpuBackend);
