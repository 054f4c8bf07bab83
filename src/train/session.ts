// A training run from a recipe, as `i3 train` and the demo start it:
//   data specs → BPE tokenizer (trained on the documents, cached by content; tokenizer/cache.ts)
//   → token arrays with a validation split (data/corpus.ts) → windows (data/windows.ts)
//   → an i3 model sized to the tokenizer → AdamW + warmup/cosine → the loop (loop.ts),
// writing to `out/`: checkpoint/ (checkpoint.ts), metrics.jsonl (one JSON object per step and
// per evaluation) and loss.svg (plot.ts). With `resume`, the recipe, data, tokenizer, weights and
// moments come from out/checkpoint and training continues at the saved iteration; metrics past it
// are dropped.

import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getBackend } from '../backend/backend.ts';
import { Profiler, type ProfileReport } from '../backend/profile.ts';
import { I3Model } from '../model/i3-model.ts';
import { Generator } from '../tensor/random.ts';
import { BpeTokenizer, buildOnce, parseTokenizerJson, serializeTokenizerJson, trainBpe } from '../tokenizer/index.ts';
import { loadCorpus, readCorpusDocuments, type DataSpec } from '../data/corpus.ts';
import { RandomWindows, SequentialWindows, type BatchSource } from '../data/windows.ts';
import { AdamW } from '../optim/adamw.ts';
import { warmupCosine } from '../optim/schedule.ts';
import { hasCheckpoint, loadCheckpoint, newTrainerState, saveCheckpoint } from './checkpoint.ts';
import type { Logger } from './logger.ts';
import { trainLoop, type LoopResult } from './loop.ts';
import { writeLossPlot } from './plot.ts';
import { modelConfig, type Recipe } from './presets.ts';
import { greedySample } from './sample.ts';

/** Everything runTraining needs: recipe, data, output folder, logger, resume. */
export interface RunOptions {
  recipe: Recipe;
  data: DataSpec[];
  out: string;
  /** Continue from out/checkpoint (its recipe and data win; `steps` may be raised). */
  resume?: boolean;
  /** With resume: a new total iteration count. */
  steps?: number;
  cacheDir?: string;
  logger: Logger;
  shouldStop?: () => boolean;
  prompts?: string[];
  /** Time every iteration per op and kernel (src/backend/profile.ts); the report comes back in the result. */
  profile?: boolean;
}

/** A finished run: the trained model and tokenizer, and the loop's result. */
export interface RunResult extends LoopResult {
  model: I3Model;
  tokenizer: BpeTokenizer;
  /** Unigram entropy of the training tokens (nats): the loss of a model that ignores context. */
  unigramEntropy: number;
  /** With `profile`: where the iterations' time went. */
  profile?: ProfileReport;
}

async function buildTokenizer(r: Recipe, data: DataSpec[], cacheDir: string): Promise<{ tokenizer: BpeTokenizer; reused: boolean }> {
  const { text, reused } = await buildOnce(
    { dir: cacheDir, kind: 'bpe-train', settings: { vocabSize: r.vocabSize, seed: r.seed, data: JSON.stringify(data.map(({ format, weight, field }) => ({ format, weight, field }))) }, inputs: data.map((d) => d.path) },
    async () => serializeTokenizerJson(await trainBpe(readCorpusDocuments(data, r.seed), { vocabSize: r.vocabSize })),
  );
  return { tokenizer: new BpeTokenizer(parseTokenizerJson(text)), reused };
}

function unigramEntropy(tokens: Int32Array): number {
  const counts = new Map<number, number>();
  for (const id of tokens) counts.set(id, (counts.get(id) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / tokens.length) * Math.log(n / tokens.length);
  return h;
}

/** Keeps the metrics lines of steps ≤ step (a resumed run rewrites what came after). */
async function truncateMetrics(path: string, step: number): Promise<void> {
  if (!existsSync(path)) return;
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l && (JSON.parse(l) as { step: number }).step <= step);
  await writeFile(path, lines.map((l) => l + '\n').join(''));
}

/**
 * A whole run as `i3 train` does it: tokenizer, corpus, model, optimizer, the loop, checkpoints,
 * metrics.jsonl and loss.svg in `out`.
 */
export async function runTraining(o: RunOptions): Promise<RunResult> {
  const { logger, out } = o;
  const checkpointDir = join(out, 'checkpoint');
  const metricsPath = join(out, 'metrics.jsonl');
  const saved = o.resume ? await loadCheckpoint(checkpointDir) : null;
  if (!o.resume && hasCheckpoint(checkpointDir)) throw new Error(`'${out}' already holds a checkpoint; continue it with --resume, or choose another --out`);
  const r: Recipe = saved ? { ...saved.state.recipe, steps: o.steps ?? saved.state.recipe.steps } : o.recipe;
  const data = saved ? saved.state.data : o.data;
  if (data.length === 0) throw new Error('no training data given');

  let tokenizer: BpeTokenizer;
  if (saved) tokenizer = new BpeTokenizer(parseTokenizerJson(saved.tokenizerJson));
  else {
    const built = await buildTokenizer(r, data, o.cacheDir ?? join('.cache', 'tokenizers'));
    tokenizer = built.tokenizer;
    logger.info(`tokenizer: ${tokenizer.vocabSize} tokens (${built.reused ? 'reused from the cache' : 'trained on the data'})`);
  }
  const eosId = tokenizer.tokenToId('<EOS>');
  if (eosId === undefined) throw new Error('the tokenizer has no <EOS> token; train it with the i3 special tokens');
  const corpus = await loadCorpus(data, { encode: (s) => tokenizer.encode(s), eosId, validationFraction: r.validationFraction, seed: r.seed });
  const entropy = unigramEntropy(corpus.train);
  logger.info(`data: ${corpus.documents.train} training documents (${corpus.train.length.toLocaleString('en-US')} tokens), ${corpus.documents.validation} validation (${corpus.validation.length.toLocaleString('en-US')} tokens); unigram entropy ${entropy.toFixed(3)} nats`);

  const config = saved ? saved.config : modelConfig(r, tokenizer.vocabSize);
  const model = new I3Model(config, { generator: new Generator(r.seed), randomInit: !saved });
  const optimizer = new AdamW(model.namedParameters(), { lr: r.lr, betas: r.betas, eps: r.eps, weightDecay: r.weightDecay, decay: r.decay });
  if (saved) {
    model.loadStateDict(saved.weights);
    optimizer.loadStateDict(saved.moments, saved.state.optimizerStep);
    for (const t of [...saved.weights.values(), ...saved.moments.values()]) t.dispose();
    await truncateMetrics(metricsPath, saved.state.step);
    logger.info(`resumed from ${saved.path} at iteration ${saved.state.step} of ${r.steps}`);
  }
  logger.info(`model: ${model.numParameters().toLocaleString('en-US')} parameters (${config.block_types.join(', ')}; d_model ${config.d_model})`);

  const windows = (tokens: Int32Array, seed: number): BatchSource =>
    r.windows === 'sequential' ? new SequentialWindows(tokens, r.microBatch, r.seqLen) : new RandomWindows(tokens, r.microBatch, r.seqLen, seed);
  const validation = corpus.validation.length >= r.seqLen + 2 ? new RandomWindows(corpus.validation, r.microBatch, r.seqLen, r.seed + 1) : null;
  if (!validation) logger.info('validation: too few held-out tokens for one window; no validation loss');

  await mkdir(out, { recursive: true });
  const codec = { encode: (s: string) => tokenizer.encode(s), decode: (ids: number[]) => tokenizer.decode(ids) };
  const prompts = o.prompts ?? ['Once upon a time'];
  const profiler = o.profile ? new Profiler(getBackend(model.parameters()[0].backend)) : undefined;
  let profile: ProfileReport | undefined;
  const result = await trainLoop(model, { train: windows(corpus.train, r.seed), validation }, optimizer, {
    steps: r.steps, accumulation: r.accumulation, clip: r.clip,
    schedule: warmupCosine({ peak: r.lr, warmup: Math.min(r.warmup, r.steps), total: r.steps, floor: r.minLrFraction }),
    evalEvery: r.evalEvery, evalBatches: r.evalBatches, sampleEvery: r.sampleEvery, checkpointEvery: r.checkpointEvery,
  }, {
    logger, shouldStop: o.shouldStop, profiler,
    sample: async () => {
      const samples: Array<{ prompt: string; text: string }> = [];
      for (const prompt of prompts) samples.push({ prompt, text: await greedySample(model, codec, prompt, 48, eosId) });
      return samples;
    },
    record: (entry) => { // in order, before the next step; loss.svg redrawn at each evaluation
      appendFileSync(metricsPath, JSON.stringify(entry) + '\n');
      if (entry.kind === 'eval') writeLossPlot(out);
    },
    checkpoint: async (step, reason) => {
      await saveCheckpoint(checkpointDir, model, optimizer, tokenizer, newTrainerState(step, optimizer.stepCount, r, data));
      logger.checkpoint(step, checkpointDir, reason);
    },
  }, saved?.state.step ?? 0).finally(() => { profile = profiler?.finish(); }); // kernels restored even on an error
  writeLossPlot(out);
  optimizer.dispose();
  return { ...result, model, tokenizer, unigramEntropy: entropy, profile };
}
