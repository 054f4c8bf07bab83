// Matmul GFLOP/s (2·M·N·K / time) at the shapes of the i3 model, side by side in one process:
//   ours SIMD   kernels/wasm/matmul.ts, float32 (the CPU backend's default), and the same with
//               I3_FMA=off (f32x4.mul + f32x4.add instead of relaxed SIMD's fused multiply-add)
//   ours TS     kernels/cpu/matmul.ts, float32 and float64 (the reference; I3_KERNELS=ts)
//   tfjs-wasm   @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD; its .wasm files are read from
//               node_modules, offline; in Node it runs single-threaded, which the file checks)
//   tfjs-cpu    @tensorflow/tfjs-backend-cpu 4.22 (plain JS)
// tfjs is timed through dataSync(), so any lazy work is counted. Run: npm run bench -- matmul
//
// Two phases. (1) Ours alone, before tfjs is loaded. (2) Ours and tfjs in interleaved rounds: each
// round runs every task once, so a busy spell on the shared machine hits all of them alike; the
// ratios come from this phase. Loading tfjs (CommonJS, through tsx's loader) makes V8 drop its "no
// ArrayBuffer was ever detached" assumption (the ArrayBufferDetaching protector), after which every
// typed-array read in the TS kernel carries an extra check: the TS kernel is ~15-20% slower in phase
// 2 than in phase 1, the state our engine runs in. Every figure is the best round.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Bench } from 'tinybench';
import { matmulInto, type FloatArray } from '../kernels/cpu/matmul.ts';
import { matmulF32 } from '../kernels/wasm/matmul.ts';
import type { BenchResult } from './result.ts';

/** bT: B is a transposed view of a weight stored [N, K] (x·Wᵀ, as nn.Linear and the tied head compute). */
interface Shape { M: number; K: number; N: number; bT: boolean; minRounds: number; seconds: number; tfjsCpuRounds: number }
// Rounds go on until `minRounds` are done and `seconds` have passed (per phase). At ≈0.5 GFLOP/s
// tfjs-cpu needs over a minute for the 33.6 GFLOP vocabulary projection, so it runs once there.
const SHAPES: Shape[] = [
  { M: 512, K: 512, N: 512, bT: false, minRounds: 3, seconds: 5, tfjsCpuRounds: Infinity },
  { M: 1024, K: 512, N: 2048, bT: false, minRounds: 2, seconds: 6, tfjsCpuRounds: Infinity }, // FFN up-projection
  { M: 1024, K: 2048, N: 512, bT: false, minRounds: 2, seconds: 6, tfjsCpuRounds: Infinity }, // FFN down-projection
  { M: 1024, K: 512, N: 2048, bT: true, minRounds: 2, seconds: 6, tfjsCpuRounds: 2 }, // FFN up as nn.Linear computes it
  { M: 1024, K: 512, N: 32000, bT: true, minRounds: 2, seconds: 0, tfjsCpuRounds: 1 }, // vocabulary projection
  { M: 1, K: 512, N: 32000, bT: true, minRounds: 5, seconds: 3, tfjsCpuRounds: Infinity }, // one generated token's logits
];
const OURS = ['simd f32', 'simd f32 mul+add', 'ts f32', 'ts f64'] as const;
type TF = typeof import('@tensorflow/tfjs-core');

const label = ({ M, K, N, bT }: Shape): string => (bT ? `(${M}×${K})·(${N}×${K})ᵀ` : `(${M}×${K})·(${K}×${N})`);

function random(dtype: 'float32' | 'float64', n: number): FloatArray {
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

/** Adds our kernels at `shape` to `bench` as the tasks of OURS. */
function addOurs(bench: Bench, { M, K, N, bT }: Shape): void {
  const [rs, cs] = bT ? [1, K] : [N, 1];
  for (const task of OURS) {
    const dtype = task.endsWith('f64') ? 'float64' : 'float32';
    const kernel = task.startsWith('simd') ? (matmulF32 as typeof matmulInto) : matmulInto;
    const a = random(dtype, M * K), b = random(dtype, K * N), c = random(dtype, M * N);
    const fma = task === 'simd f32 mul+add' ? 'off' : 'auto';
    bench.add(task, () => {
      process.env.I3_FMA = fma; // read by matmulF32 per call
      kernel(c, 0, a, 0, K, 1, b, 0, rs, cs, M, N, K, false);
    });
  }
}

/** Runs `bench` in rounds (one iteration of each task per round); returns each task's best time in
 *  ms. Tasks that time themselves (tfjs: switching backends is not part of the product) report
 *  through `own`. */
async function bestOfRounds(bench: Bench, shape: Shape, own: Record<string, number> = {}): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  const started = performance.now();
  for (let round = 0; round < shape.minRounds || performance.now() - started < shape.seconds * 1000; round++) {
    if (round === shape.tfjsCpuRounds) bench.remove('tfjs-cpu');
    bench.reset(); // without it, run() returns the first round's results again
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`bench ${label(shape)} ${task.name}: ${result.state}`);
      best[task.name] = Math.min(best[task.name] ?? Infinity, own[task.name] ?? result.latency.min);
    }
  }
  return best;
}

const newBench = (shape: Shape): Bench => new Bench({ name: label(shape), iterations: 1, time: 0, warmup: false, throws: true });

/** Phase 2 at one shape: ours and both tfjs backends interleaved. */
async function measureBesideTfjs(tf: TF, shape: Shape): Promise<Record<string, number>> {
  const { M, K, N, bT } = shape;
  const bench = newBench(shape);
  addOurs(bench, shape);
  const own: Record<string, number> = {};
  const disposers: (() => void)[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend); // tensors live on the backend active when they are made
    const ta = tf.tensor2d(random('float32', M * K) as Float32Array, [M, K]);
    const tb = tf.tensor2d(random('float32', K * N) as Float32Array, bT ? [N, K] : [K, N]);
    disposers.push(() => { ta.dispose(); tb.dispose(); });
    const name = `tfjs-${backend}`;
    bench.add(name, async () => {
      await tf.setBackend(backend);
      const t0 = performance.now();
      const out = tf.matMul(ta, tb, false, bT);
      out.dataSync();
      own[name] = performance.now() - t0;
      out.dispose();
    });
  }
  const best = await bestOfRounds(bench, shape, own);
  for (const dispose of disposers) dispose();
  return best;
}

/** Compiles our code paths (JIT warm-up, wasm tier-up) on small problems before anything is timed. */
function warmUpOurs(): void {
  for (const [M, K, N] of [[192, 192, 192], [1, 192, 192]]) {
    for (const dtype of ['float32', 'float64'] as const) {
      const a = random(dtype, M * K), b = random(dtype, K * N), c = random(dtype, M * N);
      for (let i = 0; i < 5; i++) {
        matmulInto(c, 0, a, 0, K, 1, b, 0, N, 1, M, N, K, false);
        if (dtype === 'float32') matmulF32(c as Float32Array, 0, a as Float32Array, 0, K, 1, b as Float32Array, 0, 1, K, M, N, K, false);
      }
    }
  }
}

async function warmUpTfjs(tf: TF): Promise<void> {
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const x = tf.randomUniform([192, 192]);
    for (let i = 0; i < 3; i++) { const y = tf.matMul(x, x); y.dataSync(); y.dispose(); }
    x.dispose();
  }
}

/** Loads tfjs-core with its cpu and wasm backends; the wasm binaries come from node_modules. */
async function loadTfjs(): Promise<TF> {
  const tf: TF = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`);
  await tf.setBackend('wasm');
  const [simd, threads] = [tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')];
  console.log(`tfjs-backend-wasm: SIMD ${simd}, multithreading ${threads}, ${wasm.getThreadsCount()} thread(s)`);
  if (!simd) throw new Error('tfjs-backend-wasm loaded without SIMD: the comparison would be unfair to it');
  return tf;
}

export async function run(): Promise<BenchResult[]> {
  warmUpOurs();
  const alone: Record<string, number>[] = [];
  for (const shape of SHAPES) {
    const bench = newBench(shape);
    addOurs(bench, shape);
    alone.push(await bestOfRounds(bench, shape));
  }

  const tf = await loadTfjs();
  await warmUpTfjs(tf);
  const results: BenchResult[] = [];
  const rows: Record<string, string | number>[] = [];
  const round = (x: number): number => Math.round(x * 100) / 100;
  for (const [i, shape] of SHAPES.entries()) {
    const gflops = (ms: number): number => round((2 * shape.M * shape.N * shape.K) / (ms * 1e6));
    const ms = await measureBesideTfjs(tf, shape);
    const g = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, gflops(v)]));
    const name = label(shape);
    const vsWasm = round(ms['tfjs-wasm'] / ms['simd f32']), vsCpu = round(ms['tfjs-cpu'] / ms['ts f32']);
    results.push(
      { name: `matmul float32 SIMD ${name}`, metric: 'GFLOP/s', value: g['simd f32'], peer: 'tfjs-backend-wasm 4.22 (1 thread)', peerValue: g['tfjs-wasm'], ratio: vsWasm },
      { name: `matmul float32 SIMD ${name}: fused multiply-add vs mul+add`, metric: 'GFLOP/s', value: g['simd f32'], peer: 'I3_FMA=off', peerValue: g['simd f32 mul+add'], ratio: round(ms['simd f32 mul+add'] / ms['simd f32']) },
      { name: `matmul float32 TS ${name}`, metric: 'GFLOP/s', value: g['ts f32'], peer: 'tfjs-backend-cpu 4.22', peerValue: g['tfjs-cpu'], ratio: vsCpu },
      { name: `matmul float64 TS ${name}`, metric: 'GFLOP/s', value: g['ts f64'] },
      ...OURS.map((task) => ({ name: `matmul ${task} ${name}, tfjs not loaded`, metric: 'GFLOP/s', value: gflops(alone[i][task]) })),
    );
    rows.push({
      shape: name, 'SIMD f32': g['simd f32'], 'SIMD mul+add': g['simd f32 mul+add'], 'TS f32': g['ts f32'], 'TS f64': g['ts f64'], 'tfjs-wasm': g['tfjs-wasm'], 'tfjs-cpu': g['tfjs-cpu'],
      'SIMD / tfjs-wasm': vsWasm, 'SIMD / TS f32': round(ms['ts f32'] / ms['simd f32']), 'TS f32 / tfjs-cpu': vsCpu,
      'SIMD f32, alone': gflops(alone[i]['simd f32']), 'TS f32, alone': gflops(alone[i]['ts f32']),
    });
  }
  delete process.env.I3_FMA;
  console.log('\nmatmul, GFLOP/s (best round; tfjs timed through dataSync; "alone" = before tfjs was loaded)');
  console.table(rows);
  return results;
}
