// The SIMD matmul inner kernel, emitted as WebAssembly: C += packedA · packedB over one cache block.
// The structure is the one of kernels/cpu/matmul.ts (Goto & van de Geijn 2008; BLIS): the caller
// packs an mc×kc block of A into panels of MR rows and a kc×nc block of B into panels of NR columns;
// this function sweeps every (MR × NR) tile of C in that block with a register-blocked micro-kernel.
//
// Micro-kernel, per step k of a tile:
//   NR/4 vectors of B  ← v128.load   (the NR values of row k of the B panel, adjacent after packing)
//   for each of the MR rows i:  a ← v128.load32_splat (A[i,k] in all four lanes)
//                               acc[i][v] += a · B[v]  (one f32x4.relaxed_madd where the engine
//                                                      has relaxed SIMD, else f32x4.mul then f32x4.add)
// so the MR·NR/4 accumulators stay in XMM registers for all kc steps. x86-64 has 16 of them: a 6×8
// tile uses 12 accumulators + 2 B vectors + 1 broadcast A. The fused multiply-add halves the
// arithmetic instructions: 4×8 on packed blocks 19–26 → 30–38 GFLOP/s here (bench/wasm-tiles.ts).
//
// Edges: packing zero-pads A to a multiple of MR rows and B to a multiple of NR columns, and the C
// block the caller passes is padded the same way, so every tile is full; the caller copies out only
// the real M×N part.

import { ModuleBuilder } from './module.ts';
import type { Local } from './body.ts';

/** What the gemm module exports. */
export interface GemmExports {
  /** C[mcPad × ncPad] (row stride ldcBytes/4) += A · B for packed A (mcPad×kc) and B (kc×ncPad), all
   *  byte addresses; mcPad and ncPad are multiples of MR and NR, kc ≥ 1. `overwrite` 1: C = A · B
   *  instead (the first K block: C need not be zeroed first, nor read). */
  gemm(a: number, b: number, c: number, mcPad: number, ncPad: number, kc: number, ldcBytes: number, overwrite: number): void;
}

/** Emits the module for an MR × NR tile (NR a multiple of 4); `fused`: multiply-add with
 *  f32x4.relaxed_madd (only where support.ts's useFusedMultiplyAdd() says the engine has it). */
export function gemmModule(MR: number, NR: number, fused = false): ModuleBuilder {
  if (NR % 4 !== 0 || MR < 1) throw new Error(`gemmModule: tile ${MR}×${NR} needs NR a multiple of 4`);
  const NV = NR / 4; // v128 vectors per tile row
  return new ModuleBuilder().func('gemm', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [a, b, c, mc, nc, kc, ldc, overwrite] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f.param(i));
    const jr = f.local('i32'), ir = f.local('i32'), ap = f.local('i32'), bp = f.local('i32');
    const k = f.local('i32'), row = f.local('i32'), panelBytes = f.local('i32');
    const acc: Local[][] = Array.from({ length: MR }, () => f.localList('v128', NV));
    const bv = f.localList('v128', NV);
    const av = f.local('v128');

    // panelBytes = kc · 4: one packed panel advances by kc·MR (A) or kc·NR (B) floats.
    f.get(kc).i32Const(2).i32Shl().set(panelBytes);
    f.i32Const(0).set(jr);
    f.loop(); // for jr = 0; jr < nc; jr += NR   (every block has at least one tile)
    {
      f.i32Const(0).set(ir);
      f.loop(); // for ir = 0; ir < mc; ir += MR
      {
        for (const rowAcc of acc) for (const x of rowAcc) f.f32x4Const(0).set(x);
        // ap = a + ir·kc·4 (panel ir/MR, each MR·kc floats); bp = b + jr·kc·4.
        f.get(a).get(ir).get(panelBytes).i32Mul().i32Add().set(ap);
        f.get(b).get(jr).get(panelBytes).i32Mul().i32Add().set(bp);
        f.get(kc).set(k);
        f.loop(); // for k = kc; k > 0; k--
        {
          for (let v = 0; v < NV; v++) f.get(bp).v128Load(16 * v).set(bv[v]);
          for (let i = 0; i < MR; i++) {
            f.get(ap).v128Load32Splat(4 * i).set(av);
            for (let v = 0; v < NV; v++) f.f32x4MulAddInto(acc[i][v], fused, () => f.get(av), () => f.get(bv[v]));
          }
          f.get(ap).i32Const(4 * MR).i32Add().set(ap);
          f.get(bp).i32Const(4 * NR).i32Add().set(bp);
          f.get(k).i32Const(1).i32Sub().tee(k).brIf(0);
        }
        f.end();
        // C tile = or += accumulators, row by row from row = c + ir·ldc + jr·4.
        const eachRowOfTile = (write: (offset: number, x: Local) => void) => {
          f.get(c).get(ir).get(ldc).i32Mul().i32Add().get(jr).i32Const(2).i32Shl().i32Add().set(row);
          for (let i = 0; i < MR; i++) {
            for (let v = 0; v < NV; v++) write(16 * v, acc[i][v]);
            if (i + 1 < MR) f.get(row).get(ldc).i32Add().set(row);
          }
        };
        f.get(overwrite).if();
        eachRowOfTile((offset, x) => f.get(row).get(x).v128Store(offset));
        f.else();
        eachRowOfTile((offset, x) => f.get(row).get(row).v128Load(offset).get(x).f32x4Add().v128Store(offset));
        f.end();
        f.get(ir).i32Const(MR).i32Add().tee(ir).get(mc).i32LtS().brIf(0);
      }
      f.end();
      f.get(jr).i32Const(NR).i32Add().tee(jr).get(nc).i32LtS().brIf(0);
    }
    f.end();
  });
}

