// Packing for the gemm micro-kernel (gemm-kernel.ts) in WebAssembly SIMD. matmul.ts first copies a
// dense operand into wasm memory with bulk Float32Array.set (whole contiguous lines, no per-element
// JavaScript), then these functions rearrange blocks of that copy into the panels the kernel reads:
// the same panels as the JavaScript packers of pack.ts, bit for bit, which stay the reference and
// still pack strided operands (broadcast, reversed) and the ragged last panel of a block.
//
// A panel is W lines (W = 4 rows of A, or 8 columns of B) interleaved along k: dst[k·W + c] is
// element k of line c. The copy holds each operand by its contiguous direction, `ld` bytes apart:
//
//   strips    the W values of one k are adjacent in the copy (A transposed: rows i..i+3 of column
//             k; B row-major: columns j..j+7 of row k): per k, W/4 v128 loads and stores.
//                 copy  k0: [c0 c1 c2 c3] …      panel  [c0 c1 c2 c3 | c0 c1 c2 c3 | …]
//                 copy  k1: [c0 c1 c2 c3] …                 k0            k1
//   transpose the W lines are the copy's lines (A row-major, B transposed): per 4 k, one v128 from
//             each line, 4×4 transposes (8 f32x4 shuffles each), W v128 stores.
//                 line 0: [a0 a1 a2 a3]           panel  [a0 b0 c0 d0 | a1 b1 c1 d1 | a2 … | a3 …]
//                 line 1: [b0 b1 b2 b3]   ──►
//                 line 2: [c0 c1 c2 c3]                  (W = 8: lines 4–7 go to the upper half
//                 line 3: [d0 d1 d2 d3]                   of each 8-float row of the panel)
//             kc mod 4 trailing k are moved one float at a time.
// Every function packs `panels` full panels (≥ 1) of kc ≥ 1 k; the caller packs a ragged last panel.

import { ModuleBuilder, type FunctionBody } from './module.ts';

/** A packing function: `panels` full panels of W lines × kc from the copy at `src` (its lines, or its
 *  k-steps, `ld` bytes apart) to `dst`, consecutive panels of W·kc floats; byte addresses. */
export type PackPanels = (src: number, ld: number, dst: number, panels: number, kc: number) => void;

/** What the pack module exports: panels of 4 rows of A and 8 columns of B, from either direction. */
export interface PackExports {
  /** A row-major (row i at src + i·ld) → panels of 4 rows. */
  rowsFromRows: PackPanels;
  /** A transposed (column k at src + k·ld) → panels of 4 rows. */
  rowsFromColumns: PackPanels;
  /** B row-major (row k at src + k·ld) → panels of 8 columns. */
  columnsFromRows: PackPanels;
  /** B transposed (column j at src + j·ld) → panels of 8 columns. */
  columnsFromColumns: PackPanels;
}

const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32'] as const;

/** The pack module for panels of MR = 4 rows (A) and NR = 8 columns (B). */
export function packModule(): ModuleBuilder {
  return new ModuleBuilder()
    .func('rowsFromRows', [...PARAMS], [], (f) => emitTranspose(f, 4))
    .func('rowsFromColumns', [...PARAMS], [], (f) => emitStrips(f, 4))
    .func('columnsFromRows', [...PARAMS], [], (f) => emitStrips(f, 8))
    .func('columnsFromColumns', [...PARAMS], [], (f) => emitTranspose(f, 8));
}

/** Per panel, per k: the W adjacent values at src + k·ld are row k of the panel. */
function emitStrips(f: FunctionBody, W: number): void {
  const [src, ld, dst, panels, kc] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const p = f.local('i32'), k = f.local('i32');
  f.loop(); // for each panel (panels ≥ 1)
  f.get(src).set(p).get(kc).set(k);
  f.loop(); // for k = kc; k > 0; k--
  for (let v = 0; v < W / 4; v++) f.get(dst).get(p).v128Load(16 * v).v128Store(16 * v);
  f.get(p).get(ld).i32Add().set(p);
  f.get(dst).i32Const(4 * W).i32Add().set(dst);
  f.get(k).i32Const(1).i32Sub().tee(k).brIf(0);
  f.end();
  f.get(src).i32Const(4 * W).i32Add().set(src); // the next W lines of the copy
  f.get(panels).i32Const(1).i32Sub().tee(panels).brIf(0);
  f.end();
}

/** Per panel: the W lines at src + c·ld, four k at a time through 4×4 transposes, then kc mod 4 k
 *  one float at a time. */
function emitTranspose(f: FunctionBody, W: number): void {
  const [src, ld, dst, panels, kc] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const p = f.local('i32'), k = f.local('i32');
  // off[c] = c·ld: line c's address is p + off[c] (off[0] unused: line 0 is at p).
  const off = f.localList('i32', W);
  for (let c = 1; c < W; c++) f.get(ld).i32Const(c).i32Mul().set(off[c]);
  const r = f.localList('v128', 4), t = f.localList('v128', 4);
  const line = (c: number, load: (f: FunctionBody) => void): void => {
    f.get(p);
    if (c > 0) f.get(off[c]).i32Add();
    load(f);
  };
  f.loop(); // for each panel (panels ≥ 1)
  f.get(src).set(p).get(kc).i32Const(2).i32ShrU().set(k);
  f.block().loop(); // for k = kc div 4; k > 0; k--
  f.get(k).i32Eqz().brIf(1);
  for (let g = 0; g < W / 4; g++) {
    // Lines 4g..4g+3, lanes k..k+3: r = rows of a 4×4 tile; t pairs lanes of r0,r1 and r2,r3.
    for (let c = 0; c < 4; c++) line(4 * g + c, (x) => x.v128Load().set(r[c]));
    f.get(r[0]).get(r[1]).f32x4Shuffle([0, 4, 1, 5]).set(t[0]); // a0 b0 a1 b1
    f.get(r[0]).get(r[1]).f32x4Shuffle([2, 6, 3, 7]).set(t[1]); // a2 b2 a3 b3
    f.get(r[2]).get(r[3]).f32x4Shuffle([0, 4, 1, 5]).set(t[2]); // c0 d0 c1 d1
    f.get(r[2]).get(r[3]).f32x4Shuffle([2, 6, 3, 7]).set(t[3]); // c2 d2 c3 d3
    // Column q of the tile (a_q b_q c_q d_q) is row q of the panel, floats 4g..4g+3.
    for (let q = 0; q < 4; q++) {
      const [x, y] = q < 2 ? [t[0], t[2]] : [t[1], t[3]];
      f.get(dst).get(x).get(y).f32x4Shuffle(q % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]).v128Store(16 * (W / 4) * q + 16 * g);
    }
  }
  f.get(p).i32Const(16).i32Add().set(p);
  f.get(dst).i32Const(16 * W).i32Add().set(dst);
  f.get(k).i32Const(1).i32Sub().set(k);
  f.br(0);
  f.end().end();
  f.get(kc).i32Const(3).i32And().set(k);
  f.block().loop(); // the kc mod 4 trailing k
  f.get(k).i32Eqz().brIf(1);
  for (let c = 0; c < W; c++) {
    f.get(dst);
    line(c, (x) => x.f32Load());
    f.f32Store(4 * c);
  }
  f.get(p).i32Const(4).i32Add().set(p);
  f.get(dst).i32Const(4 * W).i32Add().set(dst);
  f.get(k).i32Const(1).i32Sub().set(k);
  f.br(0);
  f.end().end();
  f.get(src).get(ld).i32Const(W).i32Mul().i32Add().set(src); // the next W lines of the copy
  f.get(panels).i32Const(1).i32Sub().tee(panels).brIf(0);
  f.end();
}
