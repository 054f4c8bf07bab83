// Operands for the SIMD row-kernel tests (wasm-layer-norm, wasm-softmax, wasm-wkv): a row-major view
// of given values at an offset inside a larger storage with guard values after it, and the elements
// of a view back.
import * as I from '../../src/index.ts';

/** A float32 (or float64) row-major view of `values` at `offset`, in a storage filled with 7 elsewhere. */
export function view(values: ArrayLike<number>, shape: number[], offset = 0, dtype: 'float32' | 'float64' = 'float32'): I.View {
  const data = dtype === 'float32' ? new Float32Array(offset + values.length + 1) : new Float64Array(offset + values.length + 1);
  data.fill(7);
  data.set(values, offset);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { storage: { backend: I.cpuBackend, dtype, size: data.length, data, refs: 1 }, dtype, shape, strides, offset };
}

/** The elements of a dense float32 view (a subarray of its storage, not a copy). */
export const values = (v: I.View): Float32Array => (v.storage.data as Float32Array).subarray(v.offset, v.offset + v.shape.reduce((p, q) => p * q, 1));
