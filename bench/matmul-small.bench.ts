// Where SIMD starts to pay for a matmul: tiny products (attention heads of a generated token, the
// tests' 8×8 matrices) through the WebAssembly SIMD kernel and the TypeScript kernel, side by side in
// interleaved rounds, microseconds per product (best round). The CPU backend sends products with
// fewer than SIMD_MIN_PRODUCT multiply-adds (M·N·K) to the TypeScript kernel (kernels/wasm/kernels.ts);
// this file is the measurement behind that number. Run: npm run bench -- matmul-small
import { matmulInto } from '../kernels/cpu/matmul.ts';
import { matmulF32, SIMD_MIN_PRODUCT } from '../kernels/wasm/matmul.ts';
import type { BenchResult } from './result.ts';

/** [M, N, K, B transposed]: square sizes around the cutoff, and generation's per-head attention products. */
const SHAPES: Array<[number, number, number, boolean]> = [
  [4, 4, 4, false], [8, 8, 8, false], [12, 12, 12, false], [16, 16, 16, false], [32, 32, 32, false],
  [64, 8, 8, false], [2, 32, 32, false], [4, 32, 32, false], [8, 16, 32, false], [1, 32, 32, true], [1, 64, 64, true],
  [1, 10, 32, true], [1, 32, 10, false], // one head of q·Kᵀ and of p·V, 10 cached tokens
];
const ROUNDS = 9;

const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

/** Microseconds per call of `f`, over enough calls to take ≈2 ms. */
function timeOne(f: () => void, calls: number): number {
  const started = performance.now();
  for (let i = 0; i < calls; i++) f();
  return ((performance.now() - started) * 1000) / calls;
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const rows: Record<string, string | number>[] = [];
  for (const [M, N, K, bT] of SHAPES) {
    const a = random(M * K), b = random(K * N), c = new Float32Array(M * N);
    const [rs, cs] = bT ? [1, K] : [N, 1];
    const simd = (): void => matmulF32(c, 0, a, 0, K, 1, b, 0, rs, cs, M, N, K, false);
    const ts = (): void => matmulInto(c, 0, a, 0, K, 1, b, 0, rs, cs, M, N, K, false);
    const calls = Math.max(50, Math.ceil(4e5 / (M * N * K)));
    for (let i = 0; i < 200; i++) { simd(); ts(); } // warm-up: JIT and wasm tier-up
    let bestSimd = Infinity, bestTs = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      bestSimd = Math.min(bestSimd, timeOne(simd, calls));
      bestTs = Math.min(bestTs, timeOne(ts, calls));
    }
    const name = `${M}×${K} · ${bT ? `(${N}×${K})ᵀ` : `${K}×${N}`}`;
    const ratio = +(bestTs / bestSimd).toFixed(2);
    results.push({ name: `matmul ${name} (M·N·K = ${M * N * K}): SIMD vs TypeScript`, metric: 'µs', value: +bestSimd.toFixed(2), peer: 'TypeScript kernel', peerValue: +bestTs.toFixed(2), ratio });
    rows.push({ shape: name, 'M·N·K': M * N * K, 'SIMD µs': +bestSimd.toFixed(2), 'TS µs': +bestTs.toFixed(2), 'TS / SIMD': ratio, backend: M * N * K >= SIMD_MIN_PRODUCT ? 'SIMD' : 'TS' });
  }
  console.log(`\nsmall matmuls, µs per product (best of ${ROUNDS} rounds; "backend" = which kernel the CPU backend uses, cutoff M·N·K ≥ ${SIMD_MIN_PRODUCT})`);
  console.table(rows);
  return results;
}
