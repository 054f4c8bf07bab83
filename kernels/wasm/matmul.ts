// Float32 matmul C (+)= A·B on WebAssembly SIMD: the same contract as kernels/cpu/matmul.ts (any
// strides for A and B, dense C at an offset, accumulate or overwrite), so it is a drop-in for float32.
//
// Blocking (Goto & van de Geijn 2008), per block of NC columns, into a C buffer in wasm memory (M rows,
// padded to MR, × NC padded to NR):
//   for each KC slice of K:   pack B (KC × NC, panels of NR columns)          — ≤ 4 MiB, L3
//     for each MC rows of A:  pack A (MC × KC, panels of MR rows)             — 128 KiB, L2
//                             gemm: every MR×NR tile, B panel (8 KiB) in L1; the first KC slice
//                             writes the buffer, the others add to it (so it is never zeroed)
//   copy (or add) the real M × nc part of the buffer into C.
// An operand dense in one orientation (each row, or each column, one contiguous run) is first copied
// whole into wasm memory with bulk Float32Array.set and packed from there by SIMD functions
// (pack-kernel.ts); any other (broadcast, reversed, gaps between values) is packed by the JavaScript
// loops of pack.ts straight from its typed array. Only C is copied out, once per element. One to
// three rows of A take the matvec kernels, which read B once instead of packing it, or read a
// weight's resident copy (resident.ts).

import { sharedArena, type WasmArena } from './arena.ts';
import { gemmModule, type GemmExports } from './gemm-kernel.ts';
import { matvecModule, PANEL_K, type MatvecExports } from './matvec-kernel.ts';
import { useFusedMultiplyAdd } from './support.ts';
import { BULK_ROW, copyRows, packPanelsOfColumns, packPanelsOfRows } from './pack.ts';
import { packModule, type PackExports } from './pack-kernel.ts';
import type { ResidentWeights } from './resident.ts';
import { isEmptyProduct } from '../cpu/matmul.ts';

// Tile 4×8: 8 v128 accumulators. Larger tiles spill registers in V8's code (bench/wasm-tiles.ts:
// 4×8 ≈ 26–36 GFLOP/s, 3×8 26, 4×12 20–22, 6×8 19, 8×8 16).
const MR = 4;
const NR = 8;
const KC = 256;
const MC = 32 * MR;
const NC = 512 * NR;
/** Products of fewer multiply-adds (M·N·K) than this run faster in the TypeScript kernel: the SIMD
 *  path's fixed costs (zeroing and copying its buffers, calls into wasm) outweigh its arithmetic
 *  below it. Measured SIMD speed-up over two runs (npm run bench -- matmul-small, BENCHMARKS.md):
 *  8³ 0.55–0.65×, 12³ 0.78–0.9×, 2×32·32×32 0.8–0.84×, 16³ 1.26–1.4×, 1×64·(64×64)ᵀ 1.4–1.8×;
 *  64×8·8×8 (0.6–0.7×) is the one measured product above it that SIMD loses, by ≈3–4 µs. */
export const SIMD_MIN_PRODUCT = 4096;
/** The matvec path's chunk of B: 128 KiB, a quarter of Zen 3's L2. */
const CHUNK_FLOATS = 32768;

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

// Compiled on first use, one module per multiply-add flavour (I3_FMA is read per call, so a bench can
// compare both in one process).
const gemmKernels = new Map<boolean, () => GemmExports>();
const matvecKernels = new Map<boolean, WeakMap<WasmArena, () => MatvecExports>>();

function gemmExports(): GemmExports {
  const fused = useFusedMultiplyAdd();
  let exports = gemmKernels.get(fused);
  if (!exports) gemmKernels.set(fused, (exports = sharedArena.register<GemmExports>(gemmModule(MR, NR, fused).bytes()).exports));
  return exports();
}

let packKernels: (() => PackExports) | undefined;
function packExports(): PackExports {
  packKernels ??= sharedArena.register<PackExports>(packModule().bytes()).exports;
  return packKernels();
}

/** The matvec kernels instantiated against `arena` (the scratch arena, or the resident weights' memory). */
function matvecExports(arena: WasmArena): MatvecExports {
  const fused = useFusedMultiplyAdd();
  let perArena = matvecKernels.get(fused);
  if (!perArena) matvecKernels.set(fused, (perArena = new WeakMap()));
  let exports = perArena.get(arena);
  if (!exports) perArena.set(arena, (exports = arena.register<MatvecExports>(matvecModule(fused).bytes()).exports));
  return exports();
}

/** C[M,N] (+)= A[M,K] · B[K,N] in float32; the arguments are those of kernels/cpu/matmul.ts matmulInto.
 *  `resident`: where products with one to three rows may keep B resident in wasm memory (resident.ts);
 *  only for arrays whose every write is reported to it (the CPU backend's storages). */
export function matmulF32(
  c: Float32Array, cOffset: number,
  a: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  b: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
  M: number, N: number, K: number, accumulate: boolean, resident?: ResidentWeights): void {
  if (isEmptyProduct(c, cOffset, M, N, K, accumulate)) return;
  if (M < MR) {
    matvec(c, cOffset, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, M, N, K, accumulate, resident);
    return;
  }
  const ncMax = roundUp(Math.min(N, NC), NR), mPad = roundUp(M, MR);
  const aLines = contiguousLines(M, K, aRowStride, aColStride), bLines = contiguousLines(K, N, bRowStride, bColStride);
  // Byte layout of the arena: packed A | packed B | C buffer | copy of A | copy of B (copies only of
  // operands with contiguous lines).
  const aAt = 0, bAt = aAt + 4 * MC * KC, cAt = bAt + 4 * KC * ncMax, aCopyAt = cAt + 4 * mPad * ncMax;
  const bCopyAt = aCopyAt + (aLines ? 4 * M * K : 0);
  sharedArena.ensure(bCopyAt + (bLines ? 4 * K * N : 0));
  const mem = sharedArena.f32, { gemm: run } = gemmExports(), pack = packExports();
  // Each operand's source for packing: its copy in wasm memory (strides of the copy), or itself.
  const aCopy = aLines && copyIn(mem, aCopyAt / 4, a, aOffset, aRowStride, aColStride, M, K, aLines);
  const bCopy = bLines && copyIn(mem, bCopyAt / 4, b, bOffset, bRowStride, bColStride, K, N, bLines);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc), ncPad = roundUp(nc, NR);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      if (bCopy) packFromCopy('B', mem, pack, bCopy, pc, jc, kc, nc, bAt);
      else packPanelsOfColumns(mem, bAt / 4, b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride, kc, nc, NR);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        if (aCopy) packFromCopy('A', mem, pack, aCopy, ic, pc, mc, kc, aAt);
        else packPanelsOfRows(mem, aAt / 4, a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc, MR);
        run(aAt, bAt, cAt + 4 * ic * ncPad, roundUp(mc, MR), ncPad, kc, 4 * ncPad, pc === 0 ? 1 : 0); // the first K block writes C, the rest add
      }
    }
    for (let i = 0; i < M; i++) storeRow(c, cOffset + i * N + jc, mem, cAt / 4 + i * ncPad, nc, accumulate);
  }
}

/** 'rows' when each row of X (rows×cols, strides rs, cs) is one contiguous run (cs = 1, rs ≥ cols),
 *  'columns' when each column is (rs = 1, cs ≥ rows), and X is copied in by bulk copies: its lines
 *  adjacent (one copy) or longer than BULK_ROW (one each). Undefined otherwise: broadcast, reversed,
 *  or short lines with gaps (a slice of a head of attention's fused qkv), which copyRows would copy
 *  element by element, costing what the JavaScript packer costs: 128×32·32×128 from qkv slices
 *  0.86× with the copy (npx tsx bench/matmul-pack.ts). */
function contiguousLines(rows: number, cols: number, rs: number, cs: number): 'rows' | 'columns' | undefined {
  if (cs === 1 && (rs === cols || (rs > cols && cols > BULK_ROW))) return 'rows';
  if (rs === 1 && (cs === rows || (cs > rows && rows > BULK_ROW))) return 'columns';
  return undefined;
}

/** X's copy in wasm memory: element (r, c) at `at` + r·rs + c·cs floats, its lines `ld` floats apart. */
interface Copy { at: number; rs: number; cs: number; ld: number; lines: 'rows' | 'columns' }

/** Copies X whole into mem from `at` with its lines adjacent: one bulk copy when they already are,
 *  else one per line (copyRows). */
function copyIn(mem: Float32Array, at: number, x: Float32Array, offset: number, rs: number, cs: number,
  rows: number, cols: number, lines: 'rows' | 'columns'): Copy {
  if (lines === 'rows') {
    copyRows(mem, at, x, offset, rs, 1, rows, cols, cols);
    return { at, rs: cols, cs: 1, ld: cols, lines };
  }
  copyRows(mem, at, x, offset, cs, 1, cols, rows, rows);
  return { at, rs: 1, cs: rows, ld: rows, lines };
}

/** Packs the rows×cols block at (r0, c0) of a copy to byte address `dst`, as packPanelsOfRows (A:
 *  panels of MR rows) or packPanelsOfColumns (B: panels of NR columns) would: the full panels with
 *  the SIMD functions, a ragged last panel with the JavaScript packer (reading the copy). */
function packFromCopy(operand: 'A' | 'B', mem: Float32Array, pack: PackExports, copy: Copy,
  r0: number, c0: number, rows: number, cols: number, dst: number): void {
  const src = copy.at + r0 * copy.rs + c0 * copy.cs, { rs, cs } = copy;
  if (operand === 'A') {
    const full = Math.floor(rows / MR), kc = cols, fn = copy.lines === 'rows' ? pack.rowsFromRows : pack.rowsFromColumns;
    if (full > 0) fn(4 * src, 4 * copy.ld, dst, full, kc);
    if (rows > full * MR) packPanelsOfRows(mem, dst / 4 + full * MR * kc, mem, src + full * MR * rs, rs, cs, rows - full * MR, kc, MR);
  } else {
    const full = Math.floor(cols / NR), kc = rows, fn = copy.lines === 'rows' ? pack.columnsFromRows : pack.columnsFromColumns;
    if (full > 0) fn(4 * src, 4 * copy.ld, dst, full, kc);
    if (cols > full * NR) packPanelsOfColumns(mem, dst / 4 + full * NR * kc, mem, src + full * NR * cs, rs, cs, kc, cols - full * NR, NR);
  }
}

/** One to three rows of A. B is copied into wasm memory along its contiguous direction, one chunk
 *  of ≈128 KiB at a time, and each chunk is used by every row while it is still in L2: B is read
 *  from its typed array once, and the product costs little more than that read. With `resident`,
 *  a weight W (B = Wᵀ) used before is read from its resident copy instead (matvecResident). */
function matvec(c: Float32Array, cOffset: number, a: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  b: Float32Array, bOffset: number, bRowStride: number, bColStride: number, M: number, N: number, K: number, accumulate: boolean,
  resident: ResidentWeights | undefined): void {
  // Columns of B contiguous (B = Wᵀ for a weight W stored [N, K], the logits case): dot products
  // over chunks of W's rows; otherwise row updates over chunks of B's rows.
  const dot = Math.abs(bRowStride) <= Math.abs(bColStride);
  if (dot && resident && matvecResident(c, cOffset, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, M, N, K, accumulate, resident)) return;
  const kp = roundUp(K, 4), np = roundUp(N, 4);
  const [lines, length, lineStride, elemStride, ld] = dot ? [N, K, bColStride, bRowStride, kp] : [K, N, bRowStride, bColStride, np];
  const chunk = Math.max(4, Math.floor(CHUNK_FLOATS / ld));
  const xAt = 0, outAt = 4 * M * kp, bAt = outAt + 4 * M * np; // x rows | out rows | chunk of B
  sharedArena.ensure(bAt + 4 * chunk * ld);
  const mem = sharedArena.f32, { dotRows, axpyRows } = matvecExports(sharedArena);
  for (let i = 0; i < M; i++) copyRows(mem, xAt / 4 + i * kp, a, aOffset + i * aRowStride, 0, aColStride, 1, K, kp);
  if (!dot) mem.fill(0, outAt / 4, outAt / 4 + M * np); // axpyRows accumulates
  for (let l0 = 0; l0 < lines; l0 += chunk) {
    const count = Math.min(chunk, lines - l0);
    copyRows(mem, bAt / 4, b, bOffset + l0 * lineStride, lineStride, elemStride, count, length, ld);
    for (let i = 0; i < M; i++) {
      if (dot) dotRows(xAt + 4 * i * kp, bAt, outAt + 4 * (i * np + l0), count, kp);
      else axpyRows(xAt + 4 * (i * kp + l0), bAt, outAt + 4 * i * np, count, np);
    }
  }
  for (let i = 0; i < M; i++) storeRow(c, cOffset + i * N, mem, outAt / 4 + i * np, N, accumulate);
}

/** x · Wᵀ from W's resident copy, packed in panels of four rows for dotPanels (matvec-kernel.ts),
 *  bit-identical to matvec's dotRows. False (nothing done) when W is not resident (yet): first use,
 *  changed since, or no room. B stored by rows (x · B) is never kept: generation has no such product,
 *  and axpyRows walks column strips, which a resident copy does not speed up. */
function matvecResident(c: Float32Array, cOffset: number, a: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  b: Float32Array, bOffset: number, bRowStride: number, bColStride: number, M: number, N: number, K: number, accumulate: boolean,
  resident: ResidentWeights): boolean {
  const kp = roundUp(K, PANEL_K), np = roundUp(N, 4);
  const wAt = resident.lookup(b, bOffset, bColStride, bRowStride, N, K, 4 * np * kp, (at) => {
    // W's rows are copied into scratch a chunk at a time (bulk copies) and rearranged by toPanels.
    const rows = roundUp(Math.max(4, Math.floor(CHUNK_FLOATS / kp)), 4), scratch = resident.scratch(4 * rows * kp);
    const mem = resident.arena.f32, { toPanels } = matvecExports(resident.arena);
    for (let j = 0; j < np; j += rows) {
      const count = Math.min(rows, np - j), real = Math.max(0, Math.min(count, N - j));
      copyRows(mem, scratch / 4, b, bOffset + j * bColStride, bColStride, bRowStride, real, K, kp);
      mem.fill(0, scratch / 4 + real * kp, scratch / 4 + count * kp); // padding rows of the last panel
      toPanels(scratch, at + 4 * j * kp, count / 4, kp);
    }
  });
  if (wAt < 0) return false;
  const xAt = resident.scratch(4 * M * (kp + np)), outAt = xAt + 4 * M * kp; // x rows | out rows
  const mem = resident.arena.f32, { dotPanels } = matvecExports(resident.arena);
  for (let i = 0; i < M; i++) {
    copyRows(mem, xAt / 4 + i * kp, a, aOffset + i * aRowStride, 0, aColStride, 1, K, kp);
    dotPanels(xAt + 4 * i * kp, wAt, outAt + 4 * i * np, np, kp);
    storeRow(c, cOffset + i * N, mem, outAt / 4 + i * np, N, accumulate);
  }
  return true;
}

/** c[at .. at+n) = (or +=) mem[from .. from+n). */
function storeRow(c: Float32Array, at: number, mem: Float32Array, from: number, n: number, accumulate: boolean): void {
  if (!accumulate) c.set(mem.subarray(from, from + n), at);
  else for (let j = 0; j < n; j++) c[at + j] += mem[from + j];
}
