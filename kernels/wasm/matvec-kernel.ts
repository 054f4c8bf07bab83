// SIMD row-times-matrix kernels, emitted as WebAssembly, for products with one to three rows of A
// (generating one token: logits = x·Wᵀ). Each element of B is used once per row, so packing B into
// panels would cost as much as the product; B is copied into wasm memory in whichever direction is
// contiguous, and one of two loops reads it sequentially:
//   dotRows   out[j] = Σₖ x[k]·W[j,k]   for W stored by rows of length kp (B transposed, e.g. x·Wᵀ):
//             four rows of W at a time, four k per step, one v128 accumulator per row, then the four
//             lanes of each accumulator are summed.
//   axpyRows  out[0..np) += Σₖ x[k]·B[k,:]  for B stored by rows of length np:
//             16 (then 4) columns at a time in v128 accumulators, walking down the rows of B.
//   dotPanels dotRows for W stored in panels (a weight resident in wasm memory, resident.ts): four
//             rows interleaved four floats at a time, [r0 k0-3 | r1 k0-3 | r2 k0-3 | r3 k0-3 | r0 k4-7 …],
//             so the four rows are one sequential stream read from one pointer with constant
//             offsets, four k-steps per loop turn. Generation's weights come from DRAM: over a cold
//             225 MB W in wasm memory (one-off measurement, this 2-vCPU machine under load) dotRows
//             read 3.4–4.2 GB/s, dotPanels 5.6–7.3 GB/s, a bare v128 read loop 6–9 GB/s.
//             Each accumulator sees the same products in the same order as in dotRows, so the sums
//             are bit-identical.
// kp and np are multiples of 4 (the caller zero-pads), so there are no scalar edge loops.

import { ModuleBuilder, type FunctionBody } from './module.ts';
import type { Local } from './body.ts';

/** What the matvec module exports. */
export interface MatvecExports {
  /** out[0..n) = W[n × kp] · x[0..kp), byte addresses; kp a positive multiple of 4. */
  dotRows(x: number, w: number, out: number, n: number, kp: number): void;
  /** out[0..np) += x[0..k) · B[k × np], byte addresses; np a multiple of 4, k ≥ 1. */
  axpyRows(x: number, b: number, out: number, k: number, np: number): void;
  /** out[0..n) = W · x[0..kp) for W[n × kp] in panels of four rows (see the header), byte addresses;
   *  n a positive multiple of 4, kp a positive multiple of 16. */
  dotPanels(x: number, w: number, out: number, n: number, kp: number): void;
  /** Rearranges 4·count rows of kp floats at `rows` (row-major) into `count` panels of dotPanels's
   *  layout at `panels` (byte addresses, regions apart); count ≥ 1, kp a positive multiple of 4. */
  toPanels(rows: number, panels: number, count: number, kp: number): void;
}

/** Floats of k per dotPanels loop turn: the panel width (4) times the k-steps unrolled (4). */
export const PANEL_K = 16;

/** The matvec module: dotRows and dotPanels (W · x) and axpyRows (x · B), for products with one to three
 *  rows; `fused`: multiply-add with f32x4.relaxed_madd (as in gemm-kernel.ts). */
export function matvecModule(fused = false): ModuleBuilder {
  return new ModuleBuilder()
    .func('dotRows', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitDotRows(f, fused))
    .func('axpyRows', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitAxpyRows(f, fused))
    .func('dotPanels', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => emitDotPanels(f, fused))
    .func('toPanels', ['i32', 'i32', 'i32', 'i32'], [], emitToPanels);
}

function emitToPanels(f: FunctionBody): void {
  const [rows, panels, count, kp] = [0, 1, 2, 3].map((i) => f.param(i));
  const rowBytes = f.local('i32'), src = f.local('i32'), dst = f.local('i32'), p = f.local('i32'), g = f.local('i32');
  f.get(kp).i32Const(2).i32Shl().set(rowBytes);
  f.get(panels).set(dst).get(count).set(p);
  f.loop(); // for p = count; p > 0; p--   (one panel: rows .. rows + 4·rowBytes)
  f.get(rows).set(src).get(kp).set(g);
  f.loop(); // for g = kp; g > 0; g -= 4   (four columns of each of the four rows)
  for (let r = 0; r < 4; r++) {
    f.get(dst).get(src);
    for (let q = 0; q < r; q++) f.get(rowBytes).i32Add();
    f.v128Load().v128Store(16 * r);
  }
  f.get(dst).i32Const(64).i32Add().set(dst);
  f.get(src).i32Const(16).i32Add().set(src);
  f.get(g).i32Const(4).i32Sub().tee(g).brIf(0);
  f.end();
  f.get(rows).get(rowBytes).i32Const(2).i32Shl().i32Add().set(rows);
  f.get(p).i32Const(1).i32Sub().tee(p).brIf(0);
  f.end();
}

function emitDotPanels(f: FunctionBody, fused: boolean): void {
  const [x, w, out, n, kp] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const j = f.local('i32'), p = f.local('i32'), xp = f.local('i32'), k = f.local('i32'), xv = f.local('v128');
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const steps = PANEL_K / 4;
  f.get(w).set(p); // the panels follow each other: p runs through all of W once
  f.block().loop(); // for j = 0; j < n; j += 4   (one panel)
  f.get(j).get(n).i32GeS().brIf(1);
  for (let r = 0; r < 4; r++) f.f32x4Const(0).set(acc[r]);
  f.get(x).set(xp).get(kp).set(k);
  f.loop(); // for k = kp; k > 0; k -= PANEL_K
  for (let s = 0; s < steps; s++) {
    f.get(xp).v128Load(16 * s).set(xv);
    for (let r = 0; r < 4; r++) f.f32x4MulAddInto(acc[r], fused, () => f.get(xv), () => f.get(p).v128Load(64 * s + 16 * r));
  }
  f.get(p).i32Const(64 * steps).i32Add().set(p);
  f.get(xp).i32Const(16 * steps).i32Add().set(xp);
  f.get(k).i32Const(PANEL_K).i32Sub().tee(k).brIf(0);
  f.end();
  for (let r = 0; r < 4; r++) {
    // out[j + r] = sum of the four lanes, in dotRows's order
    f.get(out).get(j).i32Const(2).i32Shl().i32Add();
    for (let lane = 0; lane < 4; lane++) {
      f.get(acc[r]).f32x4ExtractLane(lane);
      if (lane > 0) f.f32Add();
    }
    f.f32Store(4 * r);
  }
  f.get(j).i32Const(4).i32Add().set(j);
  f.br(0).end().end();
}

function emitDotRows(f: FunctionBody, fused: boolean): void {
  const [x, w, out, n, kp] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const j = f.local('i32'), rowBytes = f.local('i32'), xp = f.local('i32'), k = f.local('i32'), xv = f.local('v128');
  const p = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  f.get(kp).i32Const(2).i32Shl().set(rowBytes);
  // Rows of W in groups of `rows` (4, then 1 for the rest): p[r] walks row j + r.
  const group = (rows: number): void => {
    f.block().loop(); // while (j + rows <= n)
    f.get(j).i32Const(rows).i32Add().get(n).i32GtS().brIf(1);
    f.get(w).get(j).get(rowBytes).i32Mul().i32Add().set(p[0]);
    for (let r = 1; r < rows; r++) f.get(p[r - 1]).get(rowBytes).i32Add().set(p[r]);
    for (let r = 0; r < rows; r++) f.f32x4Const(0).set(acc[r]);
    f.get(x).set(xp).get(kp).set(k);
    f.loop(); // for k = kp; k > 0; k -= 4
    f.get(xp).v128Load().set(xv);
    for (let r = 0; r < rows; r++) {
      f.f32x4MulAddInto(acc[r], fused, () => f.get(xv), () => f.get(p[r]).v128Load());
      f.get(p[r]).i32Const(16).i32Add().set(p[r]);
    }
    f.get(xp).i32Const(16).i32Add().set(xp);
    f.get(k).i32Const(4).i32Sub().tee(k).brIf(0);
    f.end();
    for (let r = 0; r < rows; r++) {
      // out[j + r] = sum of the four lanes
      f.get(out).get(j).i32Const(2).i32Shl().i32Add();
      for (let lane = 0; lane < 4; lane++) {
        f.get(acc[r]).f32x4ExtractLane(lane);
        if (lane > 0) f.f32Add();
      }
      f.f32Store(4 * r);
    }
    f.get(j).i32Const(rows).i32Add().set(j);
    f.br(0).end().end();
  };
  group(4);
  group(1);
}

function emitAxpyRows(f: FunctionBody, fused: boolean): void {
  const [x, b, out, k, np] = [0, 1, 2, 3, 4].map((i) => f.param(i));
  const j = f.local('i32'), rowBytes = f.local('i32'), bp = f.local('i32'), xp = f.local('i32'), kk = f.local('i32');
  const xs = f.local('v128');
  const acc: Local[] = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  f.get(np).i32Const(2).i32Shl().set(rowBytes);
  // Columns in groups of 4·vectors (16, then 4): accumulate down all k rows, then store.
  const group = (vectors: number): void => {
    f.block().loop(); // while (j + 4·vectors <= np)
    f.get(j).i32Const(4 * vectors).i32Add().get(np).i32GtS().brIf(1);
    for (let v = 0; v < vectors; v++) f.f32x4Const(0).set(acc[v]);
    f.get(b).get(j).i32Const(2).i32Shl().i32Add().set(bp);
    f.get(x).set(xp).get(k).set(kk);
    f.loop(); // for kk = k; kk > 0; kk--
    f.get(xp).v128Load32Splat().set(xs);
    for (let v = 0; v < vectors; v++) f.f32x4MulAddInto(acc[v], fused, () => f.get(xs), () => f.get(bp).v128Load(16 * v));
    f.get(bp).get(rowBytes).i32Add().set(bp);
    f.get(xp).i32Const(4).i32Add().set(xp);
    f.get(kk).i32Const(1).i32Sub().tee(kk).brIf(0);
    f.end();
    f.get(out).get(j).i32Const(2).i32Shl().i32Add().set(bp); // bp now points into out
    for (let v = 0; v < vectors; v++) f.get(bp).get(bp).v128Load(16 * v).get(acc[v]).f32x4Add().v128Store(16 * v);
    f.get(j).i32Const(4 * vectors).i32Add().set(j);
    f.br(0).end().end();
  };
  group(4);
  group(1);
}
