// One generated token's matrix-vector products for the i3-200m card model, without the rest of the
// model: every weight of the 16 blocks (FFN up and down; q, k, v and output projections of the 6
// attention blocks) and the tied 32,000 × 512 head, each as x·Wᵀ with its own array, ≈219 MB of
// float32 per token — too much for any cache, so this is a memory-bandwidth figure. Three ways, in
// interleaved rounds: SIMD with the weights resident in wasm memory (kernels/wasm/resident.ts, the
// CPU backend's default), SIMD copying each weight into wasm memory for every product (I3_RESIDENT_MB=0),
// and the TypeScript kernel. Run: npm run bench -- matmul-token
import { matmulInto } from '../kernels/cpu/matmul.ts';
import { matmulF32 } from '../kernels/wasm/matmul.ts';
import { ResidentWeights } from '../kernels/wasm/resident.ts';
import type { BenchResult } from './result.ts';

/** [N, K, count]: weights stored [N, K] (nn.Linear's layout). */
const WEIGHTS: Array<[number, number, number]> = [[2048, 512, 16], [512, 2048, 16], [512, 512, 24], [32000, 512, 1]];
const ROUNDS = 9;

export async function run(): Promise<BenchResult[]> {
  const weights = WEIGHTS.flatMap(([N, K, count]) => Array.from({ length: count }, () => {
    const w = new Float32Array(N * K);
    for (let i = 0; i < w.length; i++) w[i] = Math.random() - 0.5;
    return { N, K, w, x: Float32Array.from({ length: K }, () => Math.random()), c: new Float32Array(N) };
  }));
  const bytes = weights.reduce((s, { w }) => s + 4 * w.length, 0);
  const resident = new ResidentWeights(1 << 30);
  const ways: Record<string, () => void> = {
    'SIMD, weights resident': () => { for (const { N, K, w, x, c } of weights) matmulF32(c, 0, x, 0, K, 1, w, 0, 1, K, 1, N, K, false, resident); },
    'SIMD, weights copied per product': () => { for (const { N, K, w, x, c } of weights) matmulF32(c, 0, x, 0, K, 1, w, 0, 1, K, 1, N, K, false); },
    'TypeScript': () => { for (const { N, K, w, x, c } of weights) matmulInto(c, 0, x, 0, K, 1, w, 0, 1, K, 1, N, K, false); },
  };
  // Warm-up; the second resident call makes the copies (timed: a one-off cost at the second generated token).
  let copyMs = 0;
  for (const [name, f] of Object.entries(ways)) {
    f();
    const started = performance.now();
    f();
    if (name === 'SIMD, weights resident') copyMs = performance.now() - started;
  }
  const best: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, f] of Object.entries(ways)) {
      const started = performance.now();
      f();
      best[name] = Math.min(best[name] ?? Infinity, performance.now() - started);
    }
  }
  for (const { w } of weights) resident.release(w);
  const resMs = best['SIMD, weights resident'];
  console.log(`\none i3-200m token's ${weights.length} products, ${(bytes / 1e6).toFixed(0)} MB of weights (best of ${ROUNDS} rounds); making the resident copies took ${copyMs.toFixed(0)} ms once`);
  console.table(Object.entries(best).map(([way, ms]) => ({ way, 'ms per token': +ms.toFixed(1), 'GB/s of weights': +(bytes / ms / 1e6).toFixed(1), 'tokens/s bound': +(1000 / ms).toFixed(1) })));
  const copying: BenchResult = { name: `i3-200m token's matrix-vector products: the call that makes the resident copies (once)`, metric: 'ms', value: +copyMs.toFixed(0) };
  return [copying, ...Object.entries(best).filter(([name]) => name !== 'SIMD, weights resident').map(([name, ms]) => ({
    name: `i3-200m token's matrix-vector products (${(bytes / 1e6).toFixed(0)} MB of weights): resident vs ${name}`,
    metric: 'ms', value: +resMs.toFixed(1), peer: name, peerValue: +ms.toFixed(1), ratio: +(ms / resMs).toFixed(2),
  }))];
}
