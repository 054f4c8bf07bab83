// Micro-tile experiment behind the MR×NR choice of the WebAssembly SIMD matmul
// (kernels/wasm/gemm-kernel.ts): the same kernel emitted per tile shape, run on a packed block of
// A (MR·16 rows × KC, in L2) and B (KC × 4 panels, in L1), interleaved, best of 30 rounds.
// Not part of `npm run bench`. Run: npx tsx bench/wasm-tiles.ts [MRxNR ...]
import { WasmArena } from '../kernels/wasm/arena.ts';
import { gemmModule, type GemmExports } from '../kernels/wasm/gemm-kernel.ts';

const KC = 256;
const shapes = process.argv.length > 2 ? process.argv.slice(2) : ['4x8', '5x8', '6x8', '4x12', '3x16', '2x16', '8x8'];
const arena = new WasmArena(16 << 20);
const kernels = shapes.map((s) => {
  const [mr, nr] = s.split('x').map(Number);
  return { s, mr, nr, gemm: arena.register<GemmExports>(gemmModule(mr, nr).bytes()).exports().gemm, best: 0 };
});
for (let i = 0; i < arena.f32.length; i++) arena.f32[i] = Math.random();
for (let round = 0; round < 30; round++) {
  for (const k of kernels) {
    const mc = 16 * k.mr, nc = 4 * k.nr; // A block mc×KC, B block KC×nc; C after them
    const aBytes = 0, bBytes = 4 * mc * KC, cBytes = bBytes + 4 * KC * nc;
    const t0 = performance.now();
    for (let rep = 0; rep < 20; rep++) k.gemm(aBytes, bBytes, cBytes, mc, nc, KC, 4 * nc);
    const gflops = (20 * 2 * mc * nc * KC) / ((performance.now() - t0) * 1e6);
    k.best = Math.max(k.best, gflops);
  }
}
console.table(kernels.map((k) => ({ tile: k.s, 'GFLOP/s': Math.round(k.best * 10) / 10 })));
