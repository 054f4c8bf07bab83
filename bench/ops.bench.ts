// Elementwise, reduction and fused-op throughput through the engine's public ops (dispatch, allocation
// and all), side by side with @tensorflow/tfjs-backend-cpu in the same run; plus the autograd
// overhead on tiny ops (where per-op bookkeeping, not arithmetic, dominates). float32 throughout.
// ratio = tfjs time / our time, so > 1 means ours is faster.
// Run: npm run bench -- ops
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as I from '../src/index.ts';
import type { BenchResult } from './result.ts';

const TFJS = 'tfjs-backend-cpu 4.22';

async function bestMs(name: string, fn: () => void, iterations = 10): Promise<number> {
  const bench = new Bench({ name, iterations, time: 0, warmupIterations: 2, throws: true });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`bench ${name}: ${result.state}`);
  return result.latency.min;
}

interface Case {
  name: string;
  /** Elements processed per call (for M elements/s). */
  elements: number;
  ours: () => void;
  tfjs: () => void;
}

export async function run(): Promise<BenchResult[]> {
  await tf.setBackend('cpu');
  const gen = new I.Generator(0);
  const [R, C] = [1024, 1024];
  const x = I.randn([R, C], { generator: gen }), y = I.randn([R, C], { generator: gen }), row = I.randn([C], { generator: gen });
  const tx = tf.tensor2d(x.data() as Float32Array, [R, C]), ty = tf.tensor2d(y.data() as Float32Array, [R, C]), trow = tf.tensor1d(row.data() as Float32Array);
  const ours = (f: () => I.Tensor) => () => f().dispose();
  const theirs = (f: () => tf.Tensor) => () => { const t = f(); t.dataSync(); t.dispose(); };
  const cases: Case[] = [
    { name: 'add (1024×1024)', elements: R * C, ours: ours(() => I.add(x, y)), tfjs: theirs(() => tf.add(tx, ty)) },
    { name: 'mul broadcast row (1024×1024)·(1024)', elements: R * C, ours: ours(() => I.mul(x, row)), tfjs: theirs(() => tf.mul(tx, trow)) },
    { name: 'exp (1024×1024)', elements: R * C, ours: ours(() => I.exp(x)), tfjs: theirs(() => tf.exp(tx)) },
    { name: 'gelu exact (1024×1024)', elements: R * C, ours: ours(() => I.gelu(x)), tfjs: theirs(() => tf.tidy(() => tf.mul(tf.mul(tx, 0.5), tf.add(1, tf.erf(tf.mul(tx, Math.SQRT1_2)))))) },
    { name: 'sum over rows (1024×1024 → 1024)', elements: R * C, ours: ours(() => I.sum(x, -1)), tfjs: theirs(() => tf.sum(tx, -1)) },
    { name: 'sum over columns (1024×1024 → 1024)', elements: R * C, ours: ours(() => I.sum(x, 0)), tfjs: theirs(() => tf.sum(tx, 0)) },
    { name: 'softmax last axis (1024×1024)', elements: R * C, ours: ours(() => I.softmax(x, -1)), tfjs: theirs(() => tf.softmax(tx, -1)) },
    { name: 'transpose + copy (1024×1024)', elements: R * C, ours: ours(() => I.contiguous(I.transpose(x))), tfjs: theirs(() => tf.transpose(tx)) },
  ];
  const results: BenchResult[] = [];
  for (const c of cases) {
    const oursMs = await bestMs(`ours ${c.name}`, c.ours);
    const tfjsMs = await bestMs(`tfjs ${c.name}`, c.tfjs);
    const rate = (ms: number) => Math.round(c.elements / ms / 1e3); // M elements/s
    results.push({ name: c.name, metric: 'M elements/s', value: rate(oursMs), peer: TFJS, peerValue: rate(tfjsMs), ratio: Math.round((tfjsMs / oursMs) * 100) / 100 });
  }

  // Autograd overhead: a 200-op chain on 4-element tensors, forward + backward, per op.
  const leaf = I.randn([4], { requiresGrad: true, generator: gen });
  const chain = (record: boolean) => () =>
    I.scope(() => {
      const run = () => {
        let h = leaf;
        for (let i = 0; i < 100; i++) h = I.tanh(I.mul(h, 1.01));
        return I.sum(h);
      };
      if (!record) return void I.noGrad(run);
      run().backward();
      leaf.grad?.dispose();
      leaf.grad = null;
    });
  const noGradMs = await bestMs('tiny ops, no grad', chain(false), 50);
  const gradMs = await bestMs('tiny ops, forward + backward', chain(true), 50);
  results.push({ name: 'tiny-op forward, no graph (200 ops of 4 elements)', metric: 'µs/op', value: Math.round((noGradMs * 1e3) / 200 * 100) / 100 });
  // No tfjs peer here: tfjs-core's Node bundle registers no gradients (variableGrads fails on Sum).
  results.push({ name: 'tiny-op forward + backward (200 ops of 4 elements)', metric: 'µs/op', value: Math.round((gradMs * 1e3) / 200 * 100) / 100 });
  for (const t of [x, y, row, leaf]) t.dispose();
  tf.dispose([tx, ty, trow]);
  return results;
}
