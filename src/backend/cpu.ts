// The CPU backend: storage is a typed array, kernels are the plain-TypeScript loops in kernels/cpu/.
// Every float kernel runs in float32 and float64; int32 is for ids and masks, so only data movement
// and comparisons are registered for it. To slot in a faster kernel, register it under the same name.

import { residentWeights } from '../../kernels/wasm/resident.ts';
import { cpuKernels } from './cpu-kernels.ts';
import { allocArray, type DType, type TypedArray } from '../tensor/dtype.ts';
import { contiguousStrides, sizeOf } from '../tensor/shape.ts';
import { registerBackend, type Backend, type Kernel, type Storage, type View } from './backend.ts';

const FLOATS: readonly DType[] = ['float32', 'float64'];
const INT_KERNELS = new Set(['copy', 'where', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'indexSelect']);

// Copies of weights kept in WebAssembly memory (kernels/wasm/resident.ts) are valid while their array
// is unchanged. Every write to a CPU storage is a kernel of this table writing its outputs, so wrapping
// each kernel to report its outputs first makes the copies provably current. Wrapping is idempotent,
// so a kernel read back with kernel() and registered again (the profiler does) is not wrapped twice.
const reporting = new WeakSet<Kernel>();
function reportingWrites(kernel: Kernel): Kernel {
  if (reporting.has(kernel)) return kernel;
  const wrapped: Kernel = (inputs, outputs, attrs) => {
    for (const o of outputs) residentWeights.noteWrite(o.storage.data as object);
    kernel(inputs, outputs, attrs);
  };
  reporting.add(wrapped);
  return wrapped;
}

class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];
  private readonly kernels = new Map<string, Kernel>();

  constructor(kernels: Record<string, Kernel>) {
    for (const [name, kernel] of Object.entries(kernels)) this.register(name, kernel);
  }

  /** Adds or replaces a kernel (e.g. a faster matmul) without touching any op. Every kernel is
   *  wrapped so that the arrays it writes are reported to the resident weights before it runs. */
  register(name: string, kernel: Kernel): void {
    this.kernels.set(name, reportingWrites(kernel));
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

  release(storage: Storage): void {
    // Typed arrays are garbage-collected and the ledger in memory.ts has already counted the release;
    // what is left is the array's copies in wasm memory, if any.
    residentWeights.release(storage.data as object);
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
