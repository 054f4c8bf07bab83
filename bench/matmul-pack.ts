// The SIMD matmul at i3-tiny's training shapes (forward and both backward products, so A and B come
// transposed as often as not), where packing is a large share of a product, against the same matmul
// of another checkout (e.g. the commit before the SIMD packing of kernels/wasm/pack-kernel.ts), in
// interleaved rounds so a busy spell on the shared machine hits both alike; best round, GFLOP/s.
// Run: npx tsx bench/matmul-pack.ts [baseline checkout, e.g. /tmp/base from `git worktree add /tmp/base <commit>`]
import { resolve } from 'node:path';
import { matmulF32 } from '../kernels/wasm/matmul.ts';

type Matmul = typeof matmulF32;
/** [M, N, K, A's strides, B's strides] of one i3-tiny training step (B = 4, T = 128, C = 128, 4 heads,
 *  FFN 512): a linear layer's y = x·Wᵀ (B transposed), its gradients dx = dy·W and dW = dyᵀ·x (A
 *  transposed), at 512 tokens and 4096 (the head), and one attention head's q·kᵀ, p·v and their
 *  gradients, whose q, k, v are column slices of the fused qkv (row stride 384). */
const SHAPES: Array<[number, number, number, [number, number], [number, number]]> = [
  [512, 128, 512, [512, 1], [128, 1]], [512, 128, 512, [1, 512], [128, 1]], [512, 128, 512, [512, 1], [1, 512]],
  [512, 512, 128, [128, 1], [512, 1]], [128, 512, 512, [1, 128], [512, 1]], [4096, 128, 512, [1, 4096], [128, 1]],
  [512, 4096, 128, [128, 1], [1, 128]],
  [128, 128, 32, [384, 1], [1, 384]], [128, 32, 128, [128, 1], [384, 1]], [32, 128, 128, [1, 384], [128, 1]], [128, 32, 128, [1, 128], [128, 1]],
  [1024, 2048, 512, [512, 1], [1, 512]], // a larger layer, for comparison
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
  for (const [M, N, K, [ars, acs], [brs, bcs]] of SHAPES) {
    // Operands of the strides' span (for a slice, the whole qkv), first element at 0.
    const a = random((M - 1) * ars + (K - 1) * acs + 1), b = random((K - 1) * brs + (N - 1) * bcs + 1), c = new Float32Array(M * N);
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
    const row: Record<string, string | number> = { shape: `${M}×${K} (${ars},${acs}) · ${K}×${N} (${brs},${bcs})` };
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
