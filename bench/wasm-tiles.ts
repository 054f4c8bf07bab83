// Micro-tile experiment behind the MR×NR choice of the WebAssembly SIMD matmul
// (kernels/wasm/gemm-kernel.ts): the same kernel emitted per tile shape, with f32x4.mul + f32x4.add
// and (where the engine has relaxed SIMD) with the fused f32x4.relaxed_madd, run on a packed block of
// A (MR·16 rows × KC, in L2) and B (KC × 4 panels, in L1), interleaved, best of 30 rounds.
// Not part of `npm run bench`. Run: npx tsx bench/wasm-tiles.ts [MRxNR ...]
import { WasmArena } from '../kernels/wasm/arena.ts';
import { gemmModule, type GemmExports } from '../kernels/wasm/gemm-kernel.ts';
import { useFusedMultiplyAdd } from '../kernels/wasm/support.ts';

const KC = 256;
const shapes = process.argv.length > 2 ? process.argv.slice(2) : ['4x8', '5x8', '6x8', '4x12', '3x16', '2x16', '8x8'];
const flavours = useFusedMultiplyAdd({}) ? [false, true] : [false];
const arena = new WasmArena(16 << 20);
const kernels = shapes.flatMap((s) => flavours.map((fused) => {
  const [mr, nr] = s.split('x').map(Number);
  const gemm = arena.register<GemmExports>(gemmModule(mr, nr, fused).bytes()).exports().gemm;
  return { s, fused, mr, nr, gemm, best: 0 };
}));
for (let i = 0; i < arena.f32.length; i++) arena.f32[i] = Math.random();
for (let round = 0; round < 30; round++) {
  for (const k of kernels) {
    const mc = 16 * k.mr, nc = 4 * k.nr; // A block mc×KC, B block KC×nc; C after them
    const aBytes = 0, bBytes = 4 * mc * KC, cBytes = bBytes + 4 * KC * nc;
    const t0 = performance.now();
    for (let rep = 0; rep < 20; rep++) k.gemm(aBytes, bBytes, cBytes, mc, nc, KC, 4 * nc, 0);
    const gflops = (20 * 2 * mc * nc * KC) / ((performance.now() - t0) * 1e6);
    k.best = Math.max(k.best, gflops);
  }
}
console.table(kernels.map((k) => ({ tile: k.s, 'multiply-add': k.fused ? 'relaxed_madd' : 'mul + add', 'GFLOP/s': Math.round(k.best * 10) / 10 })));
