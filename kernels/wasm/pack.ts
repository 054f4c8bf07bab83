// Copying strided float32 operands into wasm memory in the order the SIMD kernels read them.
// Packing is the step where any layout (row-major, transposed, broadcast stride 0, negative strides)
// becomes the one layout the kernels know; it doubles as the copy into wasm memory, so operands are
// read from their typed arrays exactly once per block.

/** Packs the mc×kc block of A at `src` (strides rs, cs) into `dst` from `at`: panels of `mr` rows,
 *  within a panel the mr values of one column adjacent; the last panel is zero-padded to mr rows. */
export function packPanelsOfRows(dst: Float32Array, at: number, a: Float32Array, src: number, rs: number, cs: number,
  mc: number, kc: number, mr: number): void {
  let o = at;
  for (let i0 = 0; i0 < mc; i0 += mr) {
    const rows = Math.min(mr, mc - i0);
    for (let i = 0; i < mr; i++) {
      // Column by column within one row of the panel: o + i, o + i + mr, ...
      if (i < rows) for (let p = 0, s = src + (i0 + i) * rs, d = o + i; p < kc; p++, s += cs, d += mr) dst[d] = a[s];
      else for (let p = 0, d = o + i; p < kc; p++, d += mr) dst[d] = 0;
    }
    o += mr * kc;
  }
}

/** Packs the kc×nc block of B at `src` (strides rs, cs) into `dst` from `at`: panels of `nr` columns,
 *  row k of a panel being nr adjacent values; the last panel is zero-padded to nr columns. Reads B
 *  along its contiguous direction: big strides between consecutive reads defeat the cache. */
export function packPanelsOfColumns(dst: Float32Array, at: number, b: Float32Array, src: number, rs: number, cs: number,
  kc: number, nc: number, nr: number): void {
  const panel = kc * nr;
  if (Math.abs(cs) <= Math.abs(rs)) {
    for (let p = 0; p < kc; p++) {
      const row = src + p * rs;
      for (let j = 0, d = at + p * nr; j < nc; j += nr, d += panel) {
        const cols = Math.min(nr, nc - j);
        for (let q = 0, s = row + j * cs; q < nr; q++, s += cs) dst[d + q] = q < cols ? b[s] : 0;
      }
    }
  } else {
    // Transposed B (columns contiguous): one column of B fills one lane of a panel, top to bottom.
    for (let j = 0; j < nc; j += nr) {
      const cols = Math.min(nr, nc - j), base = at + (j / nr) * panel;
      for (let q = 0; q < nr; q++) {
        if (q < cols) for (let p = 0, s = src + (j + q) * cs, d = base + q; p < kc; p++, s += rs, d += nr) dst[d] = b[s];
        else for (let p = 0, d = base + q; p < kc; p++, d += nr) dst[d] = 0;
      }
    }
  }
}

/** Rows longer than this are copied by one bulk Float32Array.set each; shorter ones element by element
 *  (a set's fixed cost, a subarray made per call, outweighs its speed on short runs). */
export const BULK_ROW = 64;

/** Copies the rows×cols matrix at `src` (strides rs, cs) into `dst` from `at` as dense rows of
 *  `ld` ≥ cols values, zero-filling columns cols..ld. One bulk copy when it is already laid out so. */
export function copyRows(dst: Float32Array, at: number, x: Float32Array, src: number, rs: number, cs: number,
  rows: number, cols: number, ld: number): void {
  if (cs === 1 && rs === cols && cols === ld) {
    dst.set(x.subarray(src, src + rows * cols), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = at + r * ld;
    if (cs === 1 && cols > BULK_ROW) dst.set(x.subarray(src + r * rs, src + r * rs + cols), d);
    else for (let q = 0, s = src + r * rs; q < cols; q++, s += cs) dst[d + q] = x[s];
    dst.fill(0, d + cols, d + ld);
  }
}
