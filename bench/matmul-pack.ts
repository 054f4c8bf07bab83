// The SIMD matmul at i3-tiny's training shapes (forward and both backward products, so A and B come
// transposed as often as not), where packing is a large share of a product, against the same matmul
// of another checkout (e.g. the commit before the SIMD packing of kernels/wasm/pack-kernel.ts), in
// interleaved rounds so a busy spell on the shared machine hits both alike; best round, GFLOP/s.
// Run: npx tsx bench/matmul-pack.ts [baseline checkout, e.g. /tmp/base from `git worktree add /tmp/base <commit>`]
import { resolve } from 'node:path';
import { matmulF32 } from '../kernels/wasm/matmul.ts';

type Matmul = typeof matmulF32;
/** [M, N, K, A transposed, B transposed]: a linear layer's y = x·Wᵀ (B transposed), its gradients
 *  dx = dy·W and dW = dyᵀ·x (A transposed), at 512 tokens and 4096 (a batch of 8), C = 128, FFN 512. */
const SHAPES: Array<[number, number, number, boolean, boolean]> = [
  [512, 128, 512, false, false], [512, 128, 512, true, false], [512, 128, 512, false, true],
  [512, 512, 128, false, false], [128, 512, 512, true, false], [4096, 128, 512, true, false], [512, 4096, 128, false, true],
  [1024, 2048, 512, false, true], // a larger layer, for comparison
];
const ROUNDS = 15;

const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

async function main(): Promise<void> {
  const baselineDir = process.argv[2];
  const kernels: [string, Matmul][] = [['this tree', matmulF32]];
  if (baselineDir) {
    const baseline = await import(resolve(baselineDir, 'kernels/wasm/matmul.ts')) as { matmulF32: Matmul };
    kernels.push(['baseline', baseline.matmulF32]);
  }
  const rows: Record<string, string | number>[] = [];
  for (const [M, N, K, aT, bT] of SHAPES) {
    const a = random(M * K), b = random(K * N), c = new Float32Array(M * N);
    const [ars, acs] = aT ? [1, M] : [K, 1], [brs, bcs] = bT ? [1, K] : [N, 1];
    const best = kernels.map(() => Infinity);
    const calls = Math.max(1, Math.round(2e8 / (M * N * K))); // ≈10 ms per call group
    for (let round = -2; round < ROUNDS; round++) { // two warm-up rounds
      for (const [i, [, matmul]] of kernels.entries()) {
        const started = performance.now();
        for (let n = 0; n < calls; n++) matmul(c, 0, a, 0, ars, acs, b, 0, brs, bcs, M, N, K, false);
        if (round >= 0) best[i] = Math.min(best[i], (performance.now() - started) / calls);
      }
    }
    const gflops = (ms: number): number => +((2 * M * N * K) / (ms * 1e6)).toFixed(1);
    const row: Record<string, string | number> = { shape: `${M}×${K}${aT ? ' (Aᵀ)' : ''} · ${K}×${N}${bT ? ' (Bᵀ)' : ''}` };
    for (const [i, [name]] of kernels.entries()) {
      row[`${name} ms`] = +best[i].toFixed(3);
      row[`${name} GFLOP/s`] = gflops(best[i]);
    }
    if (baselineDir) row['speed-up'] = +(best[1] / best[0]).toFixed(2);
    rows.push(row);
  }
  console.log(`matmulF32, best of ${ROUNDS} interleaved rounds${baselineDir ? `; baseline: ${baselineDir}` : ''}`);
  console.table(rows);
}

await main();
