// The WebAssembly SIMD kernels other than matmul against their TypeScript references, float32, side
// by side in interleaved rounds (M elements/s, best round; ratio = TS time / SIMD time):
//   gelu, geluGrad  exact GELU (kernels/wasm/gelu.ts vs kernels/cpu/elementwise.ts)
//   adamw           the fused optimizer update (kernels/wasm/adamw.ts vs kernels/cpu/adamw.ts),
//                   and the composed-op update it replaced (≈10 elementwise ops and temporaries)
//   crossEntropy(Backward)  64 rows × 32,000 logits (kernels/wasm/cross-entropy.ts vs kernels/cpu/)
// 2^20 elements (4 MiB per operand, beyond L2), as in the FFN activations of an i3 step; the
// cross-entropy rate counts logits.
// Run: npm run bench -- wasm-kernels
import { Bench } from 'tinybench';
import * as I from '../src/index.ts';
import type { View } from '../src/backend/backend.ts';
import { adamwKernels } from '../kernels/cpu/adamw.ts';
import { crossEntropyKernels } from '../kernels/cpu/cross-entropy.ts';
import { elementwiseKernels } from '../kernels/cpu/elementwise.ts';
import { wasmAdamwKernels } from '../kernels/wasm/adamw.ts';
import { wasmCrossEntropyKernels } from '../kernels/wasm/cross-entropy.ts';
import { wasmGeluKernels } from '../kernels/wasm/gelu.ts';
import { AdamW } from '../src/optim/index.ts';
import type { BenchResult } from './result.ts';

const N = 1 << 20;

function view(low: number, high: number, shape = [N], dtype: 'float32' | 'int32' = 'float32'): View {
  const n = shape.reduce((p, q) => p * q, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = low + Math.random() * (high - low); // Int32Array truncates
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { storage: { backend: I.cpuBackend, dtype, size: n, data, refs: 1 }, dtype, shape, strides, offset: 0 };
}

export async function run(): Promise<BenchResult[]> {
  const ts = { ...elementwiseKernels(), ...adamwKernels(), ...crossEntropyKernels() };
  const simd = { ...wasmGeluKernels(ts), ...wasmAdamwKernels(), ...wasmCrossEntropyKernels() };
  const [rows, vocab] = [64, 32000];
  const [logits, targets, dlogits] = [view(-5, 5, [rows, vocab]), view(0, vocab - 1, [rows], 'int32'), view(0, 0, [rows, vocab])];
  const [loss, lse, one] = [view(0, 0, []), view(0, 0, [rows]), view(1, 1, [])];
  const ce = { ignoreIndex: -100 };
  const [x, g, out, p, m, v] = [view(-4, 4), view(-1, 1), view(0, 0), view(-1, 1), view(-0.1, 0.1), view(0, 0.01)];
  const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1 - 1e-5, stepSize: 1e-3, sqrtC2: 0.3 };
  // The composed update: a non-contiguous gradient sends AdamW.step down the composed-op path.
  const param = I.keep(I.randn([1024, 1024], { dtype: 'float32', requiresGrad: true }));
  const composed = new AdamW([['w', param]]);
  param.grad = I.keep(I.transpose(I.randn([1024, 1024], { dtype: 'float32' })));

  const bench = new Bench({ name: 'wasm kernels', iterations: 1, time: 0, warmup: false, throws: true });
  const tasks: [string, () => void][] = [
    ['gelu ts', () => ts.gelu([x], [out], {})], ['gelu simd', () => simd.gelu([x], [out], {})],
    ['geluGrad ts', () => ts.geluGrad([g, x, x], [out], {})], ['geluGrad simd', () => simd.geluGrad([g, x, x], [out], {})],
    ['adamw ts', () => ts.adamw([g], [p, m, v], attrs)], ['adamw simd', () => simd.adamw([g], [p, m, v], attrs)],
    ['adamw composed ops', () => composed.step()],
    ['crossEntropy ts', () => ts.crossEntropy([logits, targets], [loss, lse], ce)],
    ['crossEntropy simd', () => simd.crossEntropy([logits, targets], [loss, lse], ce)],
    ['crossEntropyBackward ts', () => ts.crossEntropyBackward([one, logits, targets, lse], [dlogits], ce)],
    ['crossEntropyBackward simd', () => simd.crossEntropyBackward([one, logits, targets, lse], [dlogits], ce)],
  ];
  for (const [name, fn] of tasks) { fn(); fn(); bench.add(name, fn); } // compile and tier up first
  const best: Record<string, number> = {};
  for (let round = 0; round < 12; round++) {
    bench.reset();
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`bench ${task.name}: ${result.state}`);
      best[task.name] = Math.min(best[task.name] ?? Infinity, result.latency.min);
    }
  }
  const results: BenchResult[] = ['gelu', 'geluGrad', 'adamw', 'crossEntropy', 'crossEntropyBackward'].map((k) => {
    const n = k.startsWith('cross') ? rows * vocab : N;
    const rate = (ms: number): number => Math.round(n / ms / 1e3);
    return {
      name: `${k} float32 SIMD (${k.startsWith('cross') ? `${rows}×${vocab} logits` : '2^20 elements'})`, metric: 'M elements/s', value: rate(best[`${k} simd`]),
      peer: `${k} TS kernel`, peerValue: rate(best[`${k} ts`]), ratio: Math.round((best[`${k} ts`] / best[`${k} simd`]) * 100) / 100,
    };
  });
  const rate = (ms: number): number => Math.round(N / ms / 1e3);
  results.push({ name: 'adamw float32 composed ops (the update before fusing)', metric: 'M elements/s', value: rate(best['adamw composed ops']) });
  param.grad.dispose(); composed.dispose(); param.dispose();
  return results;
}
