// LEB128 integers, as the WebAssembly binary format writes every count, index, size and i32.const.
// LEB128 ("little-endian base 128") writes an integer 7 bits per byte, low bits first; the high bit
// of each byte says "more bytes follow". Signed LEB128 (for i32.const) is two's complement, and ends
// when the remaining value is all sign bits and the last byte's bit 6 already shows that sign.

/** Unsigned LEB128. */
export function uleb128(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`uleb128: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb128(n: number): number[] {
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`sleb128: ${n} is not an i32`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7; // arithmetic shift keeps the sign
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
