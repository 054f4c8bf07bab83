// Dense matrix multiply C (+)= A·B for the CPU backend, in plain TypeScript over typed arrays.
// Structure after Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS
// 2008) and BLIS (Van Zee & van de Geijn 2015): cache blocks, packed panels, register-blocked micro-kernel.

/** The typed arrays the float kernels read and write. */
export type FloatArray = Float32Array | Float64Array;

// Micro-tile: each micro-kernel call computes an MR×NR block of C in MR·NR local variables, which
// V8 keeps in the 16 x64 XMM registers as far as they go. Per step k it loads MR + NR numbers for
// MR·NR multiply-adds, so a bigger tile needs fewer loads per flop, until V8's register allocator
// starts spilling accumulators to the stack. Measured with the panels in L1 (bench/matmul-tiles.ts):
// 3×4 ≈ 5.0 GFLOP/s, 4×3 4.9, 2×6 4.8, 4×4 4.6, 4×8 3.7, 6×8 3.4.
const MR = 3;
const NR = 4;
// Cache blocks. A KC×NR panel of B (8 KiB) stays in L1 while the kernel sweeps the MC×KC block of A
// (192 KiB, sized for L2); the KC×NC block of B (4 MiB) lives in L3 and is reused for every block of A.
const KC = 256;
const MC = 32 * MR;
const NC = 512 * NR;

// The packed buffers are Float64Array for both input dtypes: float32 → float64 is exact, the
// micro-kernel then sees one element type (monomorphic) and never converts inside its loop (packing
// float32 into a Float32Array measured ≈5% slower). They are module constants of a fixed power-of-two
// size: a block never exceeds MC×KC or KC×NC, so they never grow. Being constants, V8 knows their
// length, and an index masked with SIZE-1 is provably in range, so the index arithmetic needs no
// overflow checks and the bounds check is a compare with a constant (≈10% faster than plain indexing).
// Caveat: this relies on V8's process-wide "no ArrayBuffer was ever detached" protector. Once any
// buffer is detached (a postMessage transfer; loading a CommonJS package through tsx does it too),
// every read gains a detached-bit check and this kernel runs ≈20% slower (plain JS number[] buffers
// would be immune, at ≈8% below the intact speed).
const PACKED_A_SIZE = 1 << 15; // ≥ MC·KC = 24,576
const PACKED_B_SIZE = 1 << 19; // ≥ KC·NC = 524,288
const A_MASK = PACKED_A_SIZE - 1;
const B_MASK = PACKED_B_SIZE - 1;
const packedA = new Float64Array(PACKED_A_SIZE);
const packedB = new Float64Array(PACKED_B_SIZE);
/** The micro-kernel's result, MR rows of NR, written back to C by storeTile (which handles edges). */
const tile = new Float64Array(MR * NR);

/** Handles a product with no terms (M, N or K = 0; an empty sum is 0) and says whether it was one,
 *  so every matmul kernel treats empty shapes alike. */
export function isEmptyProduct(c: FloatArray, cOffset: number, M: number, N: number, K: number, accumulate: boolean): boolean {
  if (M === 0 || N === 0) return true;
  if (K !== 0) return false;
  if (!accumulate) c.fill(0, cOffset, cOffset + M * N);
  return true;
}

/** C[M,N] (+)= A[M,K] · B[K,N]. A and B are strided views (any row/col strides, incl. transposed or
 *  stride-0 broadcast); C is dense row-major at cOffset with row stride N. C must not overlap A or B. */
export function matmulInto(
  c: FloatArray, cOffset: number,
  a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, bColStride: number,
  M: number, N: number, K: number, accumulate: boolean): void {
  if (isEmptyProduct(c, cOffset, M, N, K, accumulate)) return;
  if (M < MR) {
    // One or two rows (e.g. generating one token): B would be packed only to be read once, which
    // costs as much as the product itself, so read it in place.
    for (let i = 0; i < M; i++) {
      rowTimesMatrix(c, cOffset + i * N, a, aOffset + i * aRowStride, aColStride, b, bOffset, bRowStride, bColStride, N, K, accumulate);
    }
    return;
  }
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      // The first K block writes C (unless accumulating); later K blocks add their partial sums.
      const overwrite = pc === 0 && !accumulate;
      packB(b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride, kc, nc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, ir * kc, jr * kc);
            storeTile(c, cOffset + (ic + ir) * N + jc + jr, N, Math.min(MR, mc - ir), nr, overwrite);
          }
        }
      }
    }
  }
}

/** Copies an mc×kc block of A into packedA as consecutive panels of MR rows. Within a panel the MR
 *  values of one column k are adjacent, so the micro-kernel reads A strictly sequentially whatever
 *  A's strides were. The last panel is zero-padded to MR rows (those products are never stored). */
function packA(a: FloatArray, offset: number, rowStride: number, colStride: number, mc: number, kc: number): void {
  let o = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    const r0 = offset + i0 * rowStride;
    if (rows === MR) {
      for (let p = 0, src = r0; p < kc; p++, src += colStride) {
        packedA[o] = a[src];
        packedA[o + 1] = a[src + rowStride];
        packedA[o + 2] = a[src + 2 * rowStride];
        o += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < MR; i++) packedA[o++] = i < rows ? a[r0 + i * rowStride + p * colStride] : 0;
      }
    }
  }
}

/** Copies a kc×nc block of B into packedB as consecutive panels of NR columns, row k of a panel
 *  being NR adjacent values. The last panel is zero-padded to NR columns. The source is walked in
 *  its own memory order: row by row for a row-major B, panel by panel (column-wise) for a transposed
 *  one, since a large power-of-two stride between consecutive reads defeats the cache. */
function packB(b: FloatArray, offset: number, rowStride: number, colStride: number, kc: number, nc: number): void {
  const panelSize = kc * NR;
  const fullCols = nc - (nc % NR);
  if (Math.abs(colStride) <= Math.abs(rowStride)) {
    for (let p = 0; p < kc; p++) {
      const src = offset + p * rowStride;
      let o = p * NR;
      for (let j = 0; j < fullCols; j += NR, o += panelSize) {
        const s = src + j * colStride;
        packedB[o] = b[s];
        packedB[o + 1] = b[s + colStride];
        packedB[o + 2] = b[s + 2 * colStride];
        packedB[o + 3] = b[s + 3 * colStride];
      }
      for (let j = 0; fullCols < nc && j < NR; j++) packedB[o + j] = fullCols + j < nc ? b[src + (fullCols + j) * colStride] : 0;
    }
  } else {
    for (let j0 = 0; j0 < fullCols; j0 += NR) {
      let o = (j0 / NR) * panelSize;
      for (let p = 0, s = offset + j0 * colStride; p < kc; p++, s += rowStride, o += NR) {
        packedB[o] = b[s];
        packedB[o + 1] = b[s + colStride];
        packedB[o + 2] = b[s + 2 * colStride];
        packedB[o + 3] = b[s + 3 * colStride];
      }
    }
    for (let p = 0, o = (fullCols / NR) * panelSize; fullCols < nc && p < kc; p++) {
      for (let j = 0; j < NR; j++) packedB[o++] = fullCols + j < nc ? b[offset + p * rowStride + (fullCols + j) * colStride] : 0;
    }
  }
}

/** tile = (MR×kc panel of packedA at `ai`) · (kc×NR panel of packedB at `bi`), always a full MR×NR tile.
 *  The 12 sums live in local variables, i.e. registers: per k it loads 3 + 4 numbers and does 12
 *  multiply-adds, instead of 2 loads per multiply-add for a plain dot product. */
function microKernel(kc: number, ai: number, bi: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = packedA[ai & A_MASK], a1 = packedA[(ai + 1) & A_MASK], a2 = packedA[(ai + 2) & A_MASK];
    const b0 = packedB[bi & B_MASK], b1 = packedB[(bi + 1) & B_MASK];
    const b2 = packedB[(bi + 2) & B_MASK], b3 = packedB[(bi + 3) & B_MASK];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    ai = (ai + MR) | 0; // `| 0` keeps the index int32 without an overflow check
    bi = (bi + NR) | 0;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
}

/** Writes (or adds) the top-left mr×nr corner of `tile` into C at `offset` (row stride n). */
function storeTile(c: FloatArray, offset: number, n: number, mr: number, nr: number, overwrite: boolean): void {
  for (let i = 0; i < mr; i++) {
    const row = offset + i * n;
    if (overwrite) for (let j = 0; j < nr; j++) c[row + j] = tile[i * NR + j];
    else for (let j = 0; j < nr; j++) c[row + j] += tile[i * NR + j];
  }
}

/** Float64 running sums for rowTimesMatrix, grown to the widest N seen. */
let rowSums = new Float64Array(0);

/** c[0..N) (+)= a[0..K)·B[K,N] for one row a (stride aStride), reading B in place. */
function rowTimesMatrix(c: FloatArray, cOffset: number, a: FloatArray, aOffset: number, aStride: number,
  b: FloatArray, bOffset: number, rowStride: number, colStride: number, N: number, K: number, accumulate: boolean): void {
  if (Math.abs(rowStride) <= Math.abs(colStride)) {
    // Columns of B are contiguous (e.g. a transposed weight): dot products, four columns at a time.
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0, ak = aOffset, bk = bOffset + j * colStride; k < K; k++, ak += aStride, bk += rowStride) {
        const x = a[ak];
        s0 += x * b[bk];
        s1 += x * b[bk + colStride];
        s2 += x * b[bk + 2 * colStride];
        s3 += x * b[bk + 3 * colStride];
      }
      const o = cOffset + j;
      if (accumulate) { c[o] += s0; c[o + 1] += s1; c[o + 2] += s2; c[o + 3] += s3; }
      else { c[o] = s0; c[o + 1] = s1; c[o + 2] = s2; c[o + 3] = s3; }
    }
    for (; j < N; j++) {
      let s = 0;
      for (let k = 0, ak = aOffset, bk = bOffset + j * colStride; k < K; k++, ak += aStride, bk += rowStride) s += a[ak] * b[bk];
      c[cOffset + j] = accumulate ? c[cOffset + j] + s : s;
    }
    return;
  }
  // Rows of B are contiguous: add a[k]·(row k of B) into a float64 row, four rows of B per pass.
  if (rowSums.length < N) rowSums = new Float64Array(N);
  const sums = rowSums;
  for (let j = 0; j < N; j++) sums[j] = accumulate ? c[cOffset + j] : 0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const x0 = a[aOffset + k * aStride], x1 = a[aOffset + (k + 1) * aStride];
    const x2 = a[aOffset + (k + 2) * aStride], x3 = a[aOffset + (k + 3) * aStride];
    const r0 = bOffset + k * rowStride;
    for (let j = 0, s = r0; j < N; j++, s += colStride) {
      sums[j] += x0 * b[s] + x1 * b[s + rowStride] + x2 * b[s + 2 * rowStride] + x3 * b[s + 3 * rowStride];
    }
  }
  for (; k < K; k++) {
    const x = a[aOffset + k * aStride];
    for (let j = 0, s = bOffset + k * rowStride; j < N; j++, s += colStride) sums[j] += x * b[s];
  }
  for (let j = 0; j < N; j++) c[cOffset + j] = sums[j];
}
