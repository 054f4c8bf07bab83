// The WebAssembly SIMD kernels other than matmul against their TypeScript references, float32, side
// by side in interleaved rounds (M elements/s, best round; ratio = TS time / SIMD time):
//   gelu, geluGrad  exact GELU (kernels/wasm/gelu.ts vs kernels/cpu/elementwise.ts)
//   adamw           the fused optimizer update (kernels/wasm/adamw.ts vs kernels/cpu/adamw.ts),
//                   and the composed-op update it replaced (≈10 elementwise ops and temporaries)
// 2^20 elements (4 MiB per operand, beyond L2), as in the FFN activations of an i3 step.
// Run: npm run bench -- wasm-kernels
import { Bench } from 'tinybench';
import * as I from '../src/index.ts';
import type { View } from '../src/backend/backend.ts';
import { adamwKernels } from '../kernels/cpu/adamw.ts';
import { elementwiseKernels } from '../kernels/cpu/elementwise.ts';
import { wasmAdamwKernels } from '../kernels/wasm/adamw.ts';
import { wasmGeluKernels } from '../kernels/wasm/gelu.ts';
import { AdamW } from '../src/optim/index.ts';
import type { BenchResult } from './result.ts';

const N = 1 << 20;

function view(low: number, high: number): View {
  const data = Float32Array.from({ length: N }, () => low + Math.random() * (high - low));
  return { storage: { backend: I.cpuBackend, dtype: 'float32', size: N, data, refs: 1 }, dtype: 'float32', shape: [N], strides: [1], offset: 0 };
}

export async function run(): Promise<BenchResult[]> {
  const ts = { ...elementwiseKernels(), ...adamwKernels() };
  const simd = { ...wasmGeluKernels(ts), ...wasmAdamwKernels() };
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
  const rate = (ms: number): number => Math.round(N / ms / 1e3);
  const results: BenchResult[] = ['gelu', 'geluGrad', 'adamw'].map((k) => ({
    name: `${k} float32 SIMD (2^20 elements)`, metric: 'M elements/s', value: rate(best[`${k} simd`]),
    peer: `${k} TS kernel`, peerValue: rate(best[`${k} ts`]), ratio: Math.round((best[`${k} ts`] / best[`${k} simd`]) * 100) / 100,
  }));
  results.push({ name: 'adamw float32 composed ops (the update before fusing)', metric: 'M elements/s', value: rate(best['adamw composed ops']) });
  param.grad.dispose(); composed.dispose(); param.dispose();
  return results;
}
