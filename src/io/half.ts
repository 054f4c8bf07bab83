// 16-bit floats, widened to float32 on read (safetensors F16 / BF16 checkpoints).
//   float16 (IEEE 754 binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits; subnormals when the
//     exponent field is 0, ±Infinity / NaN when it is 31.
//   bfloat16: the top 16 bits of a float32, so widening is a 16-bit shift.
// Both are exact: every 16-bit value is representable in float32.

/** Widens little-endian float16 bits to float32. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24; // subnormal: 0.mantissa × 2^-14
    else if (exponent === 31) out[i] = mantissa === 0 ? sign * Infinity : NaN;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** Widens bfloat16 bits to float32 (they are the float32's upper half). */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}
