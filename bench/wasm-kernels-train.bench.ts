// The WebAssembly SIMD kernels of the rest of a training step against their TypeScript references,
// float32, at i3-tiny's shapes (B = 4, T = 128, C = 128, 4 heads, N = 16; FFN width 512), side by side
// in interleaved rounds (best round; ratio = TS time / SIMD time; rate = elements of the main operand):
//   layerNorm       forward + backward, (512, 128)                    kernels/wasm/layer-norm.ts
//   softmax         forward + backward, attention rows (2048, 128)     kernels/wasm/softmax.ts
//   wkv             forward (saving states) + backward, (4, 128, 128)  kernels/wasm/wkv.ts
//   hybridScan      forward + backward, (4, 128, 128), N = 16          kernels/wasm/hybrid-scan.ts
//   add (bias)      (512, 512) + (512)                                 kernels/wasm/binary.ts
//   sum (bias grad) (512, 512) → (512)                                 kernels/wasm/column-sum.ts
//   relu + reluGrad (512, 512)                                         kernels/wasm/relu.ts
// The tables are the CPU backend's two kernel sets (bench/kernel-sets.ts). Run: npm run bench -- wasm-kernels-train
import { Bench } from 'tinybench';
import * as I from '../src/index.ts';
import type { Kernel } from '../src/backend/backend.ts';
import { kernelSets } from './kernel-sets.ts';
import type { BenchResult } from './result.ts';

const [B, T, C, N, F] = [4, 128, 128, 16, 512];

/** name → [elements, run(kernels)] */
function cases(): Record<string, [number, (k: Record<string, Kernel>) => void]> {
  const r = (shape: number[], scale = 1) => I.keep(I.mul(I.randn(shape), scale));
  const z = (shape: number[]) => I.keep(I.zeros(shape));
  const [x, w, b, dy] = [r([B * T, C]), r([C]), r([C]), r([B * T, C])];
  const [y, mean, rstd, dx, dw, db] = [z([B * T, C]), z([B * T]), z([B * T]), z([B * T, C]), z([C]), z([C])];
  const rows = B * 4 * T; // attention: B·H rows of T per query
  const [scores, att, g, ds] = [r([rows, T], 2), z([rows, T]), r([rows, T]), z([rows, T])];
  const [k, v, gy, td, tf] = [r([B, T, C]), r([B, T, C]), r([B, T, C]), r([C], 1), r([C], 0.5)];
  const wkvOut = [z([B, T, C]), z([B, C]), z([B, C]), z([B, C]), z([B, T, C]), z([B, T, C]), z([B, T, C])];
  const wkvGrad = [z([B, T, C]), z([B, T, C]), z([C]), z([C])];
  const scan = [r([B, T, C]), I.keep(I.rand([C])), r([N, N], 0.1), r([N, C], 0.1), r([C, N], 0.1), r([C]), z([B, C]), z([B, N])];
  const scanOut = [z([B, T, C]), z([B, T, C]), z([B, T, N]), z([B, C]), z([B, N])];
  const scanGrad = [[B, T, C], [C], [N, N], [N, C], [C, N], [C], [B, C], [B, N]].map(z);
  const [h, bias, hOut, colSum] = [r([B * T, F]), r([F]), z([B * T, F]), z([1, F])];
  return {
    layerNorm: [B * T * C, (t) => { t.layerNorm([x, w, b], [y, mean, rstd], { eps: 1e-5 }); t.layerNormBackward([dy, x, mean, rstd, w], [dx, dw, db], {}); }],
    softmax: [rows * T, (t) => { t.softmax([scores], [att], {}); t.softmaxBackward([g, att], [ds], {}); }],
    wkv: [B * T * C, (t) => { t.wkv([k, v, td, tf], wkvOut, {}); t.wkvBackward([gy, k, v, td, tf, ...wkvOut.slice(4)], wkvGrad, {}); }],
    hybridScan: [B * T * C, (t) => { t.hybridScan(scan, scanOut, {}); t.hybridScanBackward([gy, ...scan, scanOut[1], scanOut[2]], scanGrad, {}); }],
    'add (bias)': [B * T * F, (t) => t.add([h, bias], [hOut], {})],
    'sum (bias grad)': [B * T * F, (t) => t.sum([h], [colSum], {})],
    'relu + reluGrad': [B * T * F, (t) => { t.relu([h], [hOut], {}); t.reluGrad([h, h, h], [hOut], {}); }],
  };
}

export async function run(): Promise<BenchResult[]> {
  const sets = kernelSets();
  if (sets.length < 2) return []; // no WebAssembly SIMD in this engine: nothing to compare
  const work = cases();
  const bench = new Bench({ name: 'wasm kernels (training step)', iterations: 1, time: 0, warmup: false, throws: true });
  for (const [name, [, fn]] of Object.entries(work)) {
    for (const set of sets) {
      for (let i = 0; i < 3; i++) fn(set.kernels); // compile and tier up first
      bench.add(`${name} ${set.name}`, () => fn(set.kernels));
    }
  }
  const best: Record<string, number> = {};
  for (let round = 0; round < 10; round++) {
    bench.reset();
    await bench.run();
    for (const task of bench.tasks) {
      if (task.result.state !== 'completed') throw new Error(`bench ${task.name}: ${task.result.state}`);
      best[task.name] = Math.min(best[task.name] ?? Infinity, task.result.latency.min);
    }
  }
  return Object.entries(work).map(([name, [n]]) => {
    const rate = (ms: number): number => Math.round(n / ms / 1e3);
    const [ts, simd] = [best[`${name} ts`], best[`${name} wasm`]];
    return { name: `${name} float32 SIMD (i3-tiny shapes)`, metric: 'M elements/s', value: rate(simd), peer: `${name} TS kernel`, peerValue: rate(ts), ratio: Math.round((ts / simd) * 100) / 100 };
  });
}
