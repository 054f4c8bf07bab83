// Matmul GFLOP/s (2·M·N·K / time) of kernels/cpu/matmul.ts at the shapes of the i3 model, float32 and
// float64, side by side in the same process with @tensorflow/tfjs-backend-cpu (float32 only; tfjs has
// no float64). The tfjs time includes dataSync(), so any lazy work is counted; its matMul-only time is
// reported too. Run: npm run bench -- matmul
//
// Two phases. (1) Ours alone, before tfjs is loaded. (2) Ours and tfjs in interleaved rounds: each
// round runs every task once, so a busy spell on the shared machine hits all of them alike; the
// ratio comes from this phase. Loading tfjs (CommonJS, through tsx's loader) makes V8 drop its "no
// ArrayBuffer was ever detached" assumption (the ArrayBufferDetaching protector), after which every
// read of our packed buffers carries an extra check: ours is ~15-20% slower in phase 2 than in
// phase 1, the state our engine runs in. Every figure is the best round (the least disturbed one).
import { Bench } from 'tinybench';
import { matmulInto, type FloatArray } from '../kernels/cpu/matmul.ts';
import type { BenchResult } from './result.ts';

interface Shape { M: number; K: number; N: number; minRounds: number; seconds: number; tfjsRounds: number }
// Rounds go on until `minRounds` are done and `seconds` have passed (per phase), which keeps the file
// near 2 minutes on an idle machine. At ≈1 GFLOP/s tfjs needs ≈35 s for the 33.6 GFLOP vocabulary
// projection, so that shape runs once per phase.
const SHAPES: Shape[] = [
  { M: 512, K: 512, N: 512, minRounds: 3, seconds: 6, tfjsRounds: Infinity },
  { M: 1024, K: 512, N: 2048, minRounds: 2, seconds: 8, tfjsRounds: Infinity }, // FFN up-projection
  { M: 1024, K: 2048, N: 512, minRounds: 2, seconds: 8, tfjsRounds: Infinity }, // FFN down-projection
  { M: 1024, K: 512, N: 32000, minRounds: 1, seconds: 0, tfjsRounds: 1 }, // vocabulary projection
  { M: 1, K: 512, N: 32000, minRounds: 3, seconds: 3, tfjsRounds: Infinity }, // one generated token's logits
];
const TFJS = 'tfjs-backend-cpu 4.22 (matMul + dataSync)';
type TF = typeof import('@tensorflow/tfjs-core');

const label = ({ M, K, N }: Shape): string => `(${M}×${K})·(${K}×${N})`;

function random(dtype: 'float32' | 'float64', n: number): FloatArray {
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

/** Adds our kernel at `shape` to `bench` as tasks 'float32' and 'float64'. */
function addOurs(bench: Bench, { M, K, N }: Shape): void {
  for (const dtype of ['float32', 'float64'] as const) {
    const a = random(dtype, M * K), b = random(dtype, K * N), c = random(dtype, M * N);
    bench.add(dtype, () => matmulInto(c, 0, a, 0, K, 1, b, 0, N, 1, M, N, K, false));
  }
}

/** Runs `bench` in rounds (one iteration of each task per round); returns each task's best time in ms. */
async function bestOfRounds(bench: Bench, shape: Shape): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  const started = performance.now();
  for (let round = 0; round < shape.minRounds || performance.now() - started < shape.seconds * 1000; round++) {
    if (round === shape.tfjsRounds) bench.remove('tfjs');
    bench.reset(); // without it, run() returns the first round's results again
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`bench ${label(shape)} ${task.name}: ${result.state}`);
      best[task.name] = Math.min(best[task.name] ?? Infinity, result.latency.min);
    }
  }
  return best;
}

const newBench = (shape: Shape): Bench => new Bench({ name: label(shape), iterations: 1, time: 0, warmup: false, throws: true });

/** Phase 2 at one shape: ours and tfjs interleaved. Also returns tfjs's best time without dataSync. */
async function measureBesideTfjs(tf: TF, shape: Shape): Promise<Record<string, number>> {
  const { M, K, N } = shape;
  const bench = newBench(shape);
  addOurs(bench, shape);
  const ta = tf.tensor2d(random('float32', M * K) as Float32Array, [M, K]);
  const tb = tf.tensor2d(random('float32', K * N) as Float32Array, [K, N]);
  let matMulOnly = Infinity;
  bench.add('tfjs', () => {
    const t0 = performance.now();
    const out = tf.matMul(ta, tb);
    matMulOnly = Math.min(matMulOnly, performance.now() - t0);
    out.dataSync();
    out.dispose();
  });
  const best = await bestOfRounds(bench, shape);
  ta.dispose(); tb.dispose();
  return { ...best, tfjsMatMulOnly: matMulOnly };
}

/** Compiles the code paths (JIT warm-up) on a small problem before anything is timed. */
function warmUp(tf?: TF): void {
  const n = 192;
  for (const dtype of ['float32', 'float64'] as const) {
    const a = random(dtype, n * n), b = random(dtype, n * n), c = random(dtype, n * n);
    for (let i = 0; i < 5; i++) matmulInto(c, 0, a, 0, n, 1, b, 0, n, 1, n, n, n, false);
  }
  if (!tf) return;
  const x = tf.randomUniform([n, n]);
  for (let i = 0; i < 3; i++) tf.matMul(x, x).dispose();
  x.dispose();
}

export async function run(): Promise<BenchResult[]> {
  warmUp();
  const alone: Record<string, number>[] = [];
  for (const shape of SHAPES) {
    const bench = newBench(shape);
    addOurs(bench, shape);
    alone.push(await bestOfRounds(bench, shape));
  }

  const tf: TF = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  warmUp(tf);
  const results: BenchResult[] = [];
  const rows: Record<string, string | number>[] = [];
  const round = (x: number): number => Math.round(x * 100) / 100;
  for (const [i, shape] of SHAPES.entries()) {
    const gflops = (ms: number): number => round((2 * shape.M * shape.N * shape.K) / (ms * 1e6));
    const ms = await measureBesideTfjs(tf, shape);
    const [f32, f64, tfjs] = [gflops(ms.float32), gflops(ms.float64), gflops(ms.tfjs)];
    const ratio = round(ms.tfjs / ms.float32);
    const name = label(shape);
    results.push(
      { name: `matmul float32 ${name}`, metric: 'GFLOP/s', value: f32, peer: TFJS, peerValue: tfjs, ratio },
      { name: `matmul float64 ${name}`, metric: 'GFLOP/s', value: f64 },
      { name: `matmul float32 ${name}, tfjs not loaded`, metric: 'GFLOP/s', value: gflops(alone[i].float32) },
      { name: `matmul float64 ${name}, tfjs not loaded`, metric: 'GFLOP/s', value: gflops(alone[i].float64) },
      { name: `tfjs-backend-cpu float32 ${name}, matMul without dataSync`, metric: 'GFLOP/s', value: gflops(ms.tfjsMatMulOnly) },
    );
    rows.push({
      shape: name, 'ours f32': f32, 'ours f64': f64, 'tfjs f32': tfjs, 'ours f32 / tfjs': ratio,
      'ours f32, tfjs not loaded': gflops(alone[i].float32), 'ours f64, tfjs not loaded': gflops(alone[i].float64),
    });
  }
  console.log('\nmatmul, GFLOP/s (best round; tfjs timed through dataSync)');
  console.table(rows);
  return results;
}
