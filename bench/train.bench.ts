// Training throughput: tokens/s of whole training iterations (forward, backward, clip, AdamW) of
// the demo recipe's model on random windows of random tokens, float32 on the CPU. Data loading and
// tokenization are excluded (they happen once per run). Run: npm run bench -- train
import { RandomWindows } from '../src/data/windows.ts';
import { I3Model } from '../src/model/i3-model.ts';
import { AdamW, warmupCosine } from '../src/optim/index.ts';
import { Generator } from '../src/tensor/random.ts';
import { modelConfig, recipe, silentLogger, trainLoop } from '../src/train/index.ts';
import type { BenchResult } from './result.ts';

export async function run(): Promise<BenchResult[]> {
  const r = recipe('demo');
  const config = modelConfig(r, r.vocabSize);
  const model = new I3Model(config, { generator: new Generator(0) });
  const tokens = Int32Array.from({ length: 50_000 }, (_, i) => (i * 7919) % config.vocab_size);
  const optimizer = new AdamW(model.namedParameters(), { lr: r.lr });
  const loop = (steps: number, start: number) => trainLoop(model, { train: new RandomWindows(tokens, r.microBatch, r.seqLen, 0), validation: null }, optimizer, {
    steps, accumulation: r.accumulation, clip: r.clip, schedule: warmupCosine({ peak: r.lr, warmup: 1, total: 100 }),
    evalEvery: 0, evalBatches: 0, sampleEvery: 0, checkpointEvery: 0,
  }, { logger: silentLogger }, start);
  await loop(2, 0); // warm-up
  const iterations = 10, started = performance.now();
  await loop(2 + iterations, 2);
  const seconds = (performance.now() - started) / 1000;
  const perIteration = r.microBatch * r.seqLen * r.accumulation;
  const label = `train demo preset (${(model.numParameters() / 1e6).toFixed(2)}M params, B=${r.microBatch}, T=${r.seqLen})`;
  optimizer.dispose();
  model.dispose();
  return [
    { name: `${label} tokens/s`, metric: 'tokens/s', value: +((iterations * perIteration) / seconds).toFixed(1) },
    { name: `${label} ms per iteration`, metric: 'ms', value: +((1000 * seconds) / iterations).toFixed(1) },
  ];
}
