// Element types. float64 exists so gradients can be checked against finite differences at full
// precision; float32 is what models train in; int32 holds token ids and other indices.

/** The element types a tensor can have. */
export type DType = 'float32' | 'float64' | 'int32';
/** The floating-point dtypes (what gradients need). */
export type FloatDType = 'float32' | 'float64';
/** The typed array behind each dtype on the CPU. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Every dtype, in a fixed order. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];
/** The floating-point dtypes, in a fixed order. */
export const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

const ARRAY_TYPES = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/** A zero-filled typed array of `size` elements of `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  return new ARRAY_TYPES[dtype](size);
}

/** Bytes one element of `dtype` takes (4 or 8). */
export function bytesPerElement(dtype: DType): number {
  return ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
}

/** True for float32 and float64. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/** The dtype a typed array holds. */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}
