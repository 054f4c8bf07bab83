// 'sum' over the leading axes of a dense float32 tensor, in WebAssembly SIMD: (R, L) → (L), the shape of
// every bias gradient (a Linear bias, LayerNorm-free vectors like RWKV's time-mix (1, 1, C)), which
// autograd gets by summing the incoming gradient over the broadcast axes. The TypeScript kernel walks
// that as a strided loop with a float64 accumulator per output element; here rows are copied into
// wasm memory a block at a time (rows.ts) and added four lanes at a time into a float32 block sum, and
// the block sums (≤ 64 rows each) are added in float64 in TypeScript, so the rounding stays that of a
// 64-term float32 sum whatever R is. Other reductions, L < 8 (a full sum: rows too short to pay),
// L > 16384 and float64 go to the TypeScript kernel.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { sharedArena } from './arena.ts';
import { ModuleBuilder } from './module.ts';
import { blockRows, copyRowsIn, denseF32, eachRow, eachVector, f32, padded, ROW_BLOCK } from './rows.ts';

interface ColumnSumExports {
  /** acc[0, L4) = Σ of `rows` rows of L4 floats at byte address x; acc at byte address `acc`. */
  columnSum(x: number, acc: number, rows: number, L4: number): void;
}

function columnSumModule(): ModuleBuilder {
  return new ModuleBuilder().func('columnSum', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, acc, rows, L4] = [0, 1, 2, 3].map((i) => f.param(i));
    eachVector(f, L4, (o) => { f.get(acc).get(o).i32Add().f32x4Const(0).v128Store(); });
    eachRow(f, rows, L4, [x], () => eachVector(f, L4, (o) => {
      f.get(acc).get(o).i32Add().get(acc).get(o).i32Add().v128Load().get(x).get(o).i32Add().v128Load().f32x4Add().v128Store();
    }));
  });
}

let exports: (() => ColumnSumExports) | undefined;
/** Rows per float32 block sum: the rounding of at most a 64-term sum. */
const BLOCK_ROWS = 64;

/** [R, L] when `out` (keepdim form) reduces exactly the leading axes of x, keeping the rest; else null. */
function leadingAxes(x: View, out: View): [number, number] | null {
  let a = 0;
  while (a < x.shape.length && out.shape[a] === 1) a++;
  if (a === 0 || !x.shape.slice(a).every((d, i) => d === out.shape[a + i])) return null;
  const R = x.shape.slice(0, a).reduce((p, q) => p * q, 1), L = x.shape.slice(a).reduce((p, q) => p * q, 1);
  return [R, L];
}

/** The float32 SIMD 'sum' for leading-axis reductions of dense tensors; everything else goes to `ts`. */
export function wasmColumnSumKernels(ts: Record<string, Kernel>): Record<string, Kernel> {
  const sum: Kernel = (inputs, outputs, attrs) => {
    const [x] = inputs, [out] = outputs;
    const shape = leadingAxes(x, out);
    if (!shape || !denseF32([x, out]) || shape[0] < 2 || shape[1] < 8 || padded(shape[1]) > ROW_BLOCK) return ts.sum(inputs, outputs, attrs);
    const [R, L] = shape, L4 = padded(L);
    const block = Math.min(BLOCK_ROWS, blockRows(L4, R)), acc = 4 * block * L4;
    sharedArena.ensure(acc + 4 * L4);
    const run = (exports ??= sharedArena.register<ColumnSumExports>(columnSumModule().bytes()).exports)();
    const total = new Float64Array(L);
    for (let r0 = 0; r0 < R; r0 += block) {
      const n = Math.min(block, R - r0);
      copyRowsIn(x, r0, n, L, L4, 0);
      run.columnSum(0, acc, n, L4);
      const mem = sharedArena.f32;
      for (let j = 0; j < L; j++) total[j] += mem[acc / 4 + j];
    }
    f32(out).set(total, out.offset);
  };
  return { sum };
}
