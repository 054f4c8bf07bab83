// Matmul GFLOP/s (2·M·N·K / time) of kernels/cpu/matmul.ts at the shapes of the i3 model, float32 and
// float64, side by side in the same process with @tensorflow/tfjs-backend-cpu (float32 only; tfjs has
// no float64). The tfjs time includes dataSync(), so any lazy work is counted; its matMul-only time is
// reported too. Each figure is the best of a few iterations (tinybench latency.min): the machine is
// shared, and the best run is the least disturbed one. Run: npm run bench -- matmul
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { matmulInto, type FloatArray } from '../kernels/cpu/matmul.ts';
import type { BenchResult } from './result.ts';

interface Shape { M: number; K: number; N: number; iterations: number; tfjsIterations: number }
// Iteration counts keep the whole file under ~2 minutes: at ≈1 GFLOP/s, tfjs needs ≈35 s for the
// 33.6 GFLOP vocabulary projection, so that one runs once.
const SHAPES: Shape[] = [
  { M: 512, K: 512, N: 512, iterations: 8, tfjsIterations: 4 },
  { M: 1024, K: 512, N: 2048, iterations: 3, tfjsIterations: 2 }, // FFN up-projection
  { M: 1024, K: 2048, N: 512, iterations: 3, tfjsIterations: 2 }, // FFN down-projection
  { M: 1024, K: 512, N: 32000, iterations: 2, tfjsIterations: 1 }, // vocabulary projection
];
const TFJS = 'tfjs-backend-cpu 4.22 (matMul + dataSync)';

const label = ({ M, K, N }: Shape): string => `(${M}×${K})·(${K}×${N})`;

function random(dtype: 'float32' | 'float64', n: number): FloatArray {
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

/** Best latency in ms of `fn` over `iterations` runs, measured by tinybench. */
async function bestMs(name: string, iterations: number, fn: () => void): Promise<number> {
  const bench = new Bench({ name, iterations, time: 0, warmup: false, throws: true });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`bench ${name}: ${result.state}`);
  return result.latency.min;
}

/** Compiles both implementations (JIT warm-up) on a small problem before anything is timed. */
function warmUp(): void {
  const n = 192;
  for (const dtype of ['float32', 'float64'] as const) {
    const a = random(dtype, n * n), b = random(dtype, n * n), c = random(dtype, n * n);
    for (let i = 0; i < 5; i++) matmulInto(c, 0, a, 0, n, 1, b, 0, n, 1, n, n, n, false);
  }
  const x = tf.randomUniform([n, n]);
  for (let i = 0; i < 3; i++) tf.matMul(x, x).dispose();
  x.dispose();
}

export async function run(): Promise<BenchResult[]> {
  await tf.setBackend('cpu');
  warmUp();
  const results: BenchResult[] = [];
  const rows: Record<string, string | number>[] = [];
  const gflops = (s: Shape, ms: number): number => (2 * s.M * s.N * s.K) / (ms * 1e6);
  const round = (x: number): number => Math.round(x * 100) / 100;
  for (const shape of SHAPES) {
    const { M, K, N } = shape;
    const ours: Record<string, number> = {};
    for (const dtype of ['float32', 'float64'] as const) {
      const a = random(dtype, M * K), b = random(dtype, K * N), c = dtype === 'float32' ? new Float32Array(M * N) : new Float64Array(M * N);
      const ms = await bestMs(`ours ${dtype} ${label(shape)}`, shape.iterations,
        () => matmulInto(c, 0, a, 0, K, 1, b, 0, N, 1, M, N, K, false));
      ours[dtype] = gflops(shape, ms);
    }
    // tfjs, float32. Inputs are created once; each iteration disposes its output.
    const ta = tf.tensor2d(random('float32', M * K) as Float32Array, [M, K]), tb = tf.tensor2d(random('float32', K * N) as Float32Array, [K, N]);
    let matMulOnlyMs = Infinity;
    const tfjsMs = await bestMs(`tfjs ${label(shape)}`, shape.tfjsIterations, () => {
      const t0 = performance.now();
      const out = tf.matMul(ta, tb);
      matMulOnlyMs = Math.min(matMulOnlyMs, performance.now() - t0);
      out.dataSync();
      out.dispose();
    });
    ta.dispose(); tb.dispose();
    const tfjs = gflops(shape, tfjsMs);
    results.push(
      { name: `matmul float32 ${label(shape)}`, metric: 'GFLOP/s', value: round(ours.float32), peer: TFJS, peerValue: round(tfjs), ratio: round(ours.float32 / tfjs) },
      { name: `matmul float64 ${label(shape)}`, metric: 'GFLOP/s', value: round(ours.float64) },
      { name: `tfjs-backend-cpu float32 ${label(shape)}, matMul without dataSync`, metric: 'GFLOP/s', value: round(gflops(shape, matMulOnlyMs)) },
    );
    rows.push({
      shape: label(shape), 'ours f32': round(ours.float32), 'ours f64': round(ours.float64),
      'tfjs f32': round(tfjs), 'ours f32 / tfjs': round(ours.float32 / tfjs),
    });
  }
  console.log('\nmatmul, GFLOP/s (best of a few runs; tfjs timed through dataSync)');
  console.table(rows);
  return results;
}
