// Training throughput: tokens/s of whole training iterations (forward, backward, clip, AdamW) on
// random windows of random tokens, float32 on the CPU: the demo recipe's model, i3-tiny (~2M
// parameters, the "small preset") and the card's i3-200m at a short window. Data loading and
// tokenization are excluded (they happen once per run). The TypeScript and WebAssembly SIMD kernels
// run in interleaved rounds in this one process (bench/kernel-sets.ts), the SIMD ones also with
// I3_FMA=off (no fused multiply-add in the matmul). Run: npm run bench -- train
import { RandomWindows } from '../src/data/windows.ts';
import { preset, type I3Config } from '../src/model/config.ts';
import { I3Model } from '../src/model/i3-model.ts';
import { AdamW, warmupCosine } from '../src/optim/index.ts';
import { Generator } from '../src/tensor/random.ts';
import { modelConfig, recipe, silentLogger, trainLoop } from '../src/train/index.ts';
import { kernelSets, useKernels, withoutFma } from './kernel-sets.ts';
import type { BenchResult } from './result.ts';

const demo = recipe('demo');
const CASES: Array<{ name: string; config: I3Config; B: number; T: number; iterations: number; rounds: number }> = [
  { name: 'demo recipe', config: modelConfig(demo, demo.vocabSize), B: demo.microBatch, T: demo.seqLen, iterations: 5, rounds: 2 },
  { name: 'i3-tiny', config: preset('i3-tiny'), B: 4, T: 128, iterations: 3, rounds: 2 },
  { name: 'i3-200m', config: preset('i3-200m'), B: 1, T: 64, iterations: 1, rounds: 1 },
];

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const twoSets = kernelSets();
  // ts, SIMD with mul+add (I3_FMA=off), then the default SIMD set, which stays registered
  const sets = twoSets.length === 2 ? [twoSets[0], ...withoutFma(twoSets[1]), twoSets[1]] : twoSets;
  for (const c of CASES) {
    const model = new I3Model(c.config, { generator: new Generator(0) });
    const tokens = Int32Array.from({ length: 50_000 }, (_, i) => (i * 7919) % c.config.vocab_size);
    const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
    let step = 0;
    const iterate = (n: number) => trainLoop(model, { train: new RandomWindows(tokens, c.B, c.T, 0), validation: null }, optimizer, {
      steps: step + n, accumulation: 1, clip: 1, schedule: warmupCosine({ peak: 1e-3, warmup: 1, total: 1000 }),
      evalEvery: 0, evalBatches: 0, sampleEvery: 0, checkpointEvery: 0,
    }, { logger: silentLogger }, step).then(() => { step += n; });
    const best = new Map<string, number>();
    for (let round = 0; round < c.rounds; round++) {
      for (const set of sets) {
        useKernels(set);
        if (round === 0) await iterate(1); // warm-up
        const started = performance.now();
        await iterate(c.iterations);
        const tokensPerSecond = (c.iterations * c.B * c.T * 1000) / (performance.now() - started);
        best.set(set.name, Math.max(tokensPerSecond, best.get(set.name) ?? 0));
      }
    }
    const label = `train ${c.name} (${(model.numParameters() / 1e6).toFixed(2)}M params, B=${c.B}, T=${c.T})`;
    for (const set of sets) results.push({ name: `${label} ${set.name} kernels`, metric: 'tokens/s', value: +best.get(set.name)!.toFixed(1) });
    if (sets.length >= 2) {
      const [ts, simd] = [sets[0], sets[sets.length - 1]].map((s) => best.get(s.name)!);
      results.push({ name: `${label} wasm vs ts kernels`, metric: 'tokens/s', value: +simd.toFixed(1), peer: 'ts kernels', peerValue: +ts.toFixed(1), ratio: +(simd / ts).toFixed(2) });
    }
    if (sets.length === 3) {
      const [unfused, simd] = [sets[1], sets[2]].map((s) => best.get(s.name)!);
      results.push({ name: `${label} wasm: fused multiply-add vs mul+add`, metric: 'tokens/s', value: +simd.toFixed(1), peer: 'I3_FMA=off', peerValue: +unfused.toFixed(1), ratio: +(simd / unfused).toFixed(2) });
    }
    optimizer.dispose();
    model.dispose();
  }
  useKernels(sets[sets.length - 1]);
  return results;
}
