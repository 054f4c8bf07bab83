// The training loop, independent of the model and of where data comes from. One iteration `it`:
//   zero the gradients → `accumulation` micro-batches, each loss / accumulation back-propagated
//   (optim/accumulate.ts) → global-norm clip → AdamW step at lr = schedule(it)          (spec §3.8)
// Micro-batch m of iteration it is batch it·accumulation + m of the data source, and batches are
// pure functions of their index (data/windows.ts), so a run resumed at iteration k sees exactly the
// batches, learning rates and (from the restored weights and moments) the losses of an uninterrupted run.
// Between iterations the loop yields to the event loop, so Ctrl-C (handled by the caller, which
// sets `shouldStop`) is noticed after the current iteration; the caller's `checkpoint` then saves.
// Every value the loop reads (losses, the gradient norm) is read with the asynchronous read API, so it
// runs on every backend, also where reads cannot be synchronous (the gpu backend on WebGPU).

import { noGrad } from '../autograd/grad-mode.ts';
import { keep, scope } from '../backend/memory.ts';
import type { Profiler } from '../backend/profile.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Batch, BatchSource } from '../data/windows.ts';
import { accumulateGradientsAsync } from '../optim/accumulate.ts';
import type { AdamW } from '../optim/adamw.ts';
import { clipGradNormAsync } from '../optim/clip.ts';
import type { Schedule } from '../optim/schedule.ts';
import type { EvalReport, Logger, StepReport } from './logger.ts';

/** What the loop needs of a model: its parameters and a mean next-token loss. */
export interface LanguageModel {
  parameters(): Tensor[];
  loss(ids: Tensor, targets: Tensor): Tensor;
}

/** Steps, accumulation, clipping, schedule and the evaluation, sampling and checkpoint intervals of trainLoop. */
export interface LoopOptions {
  /** Iterations to reach (the loop starts at `startStep`). */
  steps: number;
  accumulation: number;
  /** Global-norm clip; 0 or Infinity: no clipping (the norm is still reported). */
  clip: number;
  schedule: Schedule;
  /** Every N iterations (and at the end): validation loss over the first `evalBatches` batches. */
  evalEvery: number;
  evalBatches: number;
  sampleEvery: number;
  checkpointEvery: number;
}

/** What the loop calls out to: the logger, a stop check, checkpoint and sample callbacks. */
export interface LoopHooks {
  logger: Logger;
  /** Polled after every iteration; true ends the run after a checkpoint (Ctrl-C). */
  shouldStop?: () => boolean;
  checkpoint?: (step: number, reason: 'interval' | 'end' | 'interrupted') => Promise<void>;
  /** Generates text for the logger every sampleEvery iterations. */
  sample?: () => Promise<Array<{ prompt: string; text: string }>>;
  /** Times each iteration's work (micro-batches, clip, AdamW; not logging, evaluation, samples or
   *  checkpoints): clip and AdamW are booked under the phase 'optimizer'. */
  profiler?: Profiler;
  /** Every step's and evaluation's report, for metrics.jsonl. */
  record?: (entry: ({ kind: 'train' } & StepReport) | ({ kind: 'eval' } & EvalReport)) => void;
}

/** Where a run ended: the step, the losses, and the last validation. */
export interface LoopResult {
  step: number;
  losses: number[];
  validation: EvalReport | null;
  interrupted: boolean;
}

const toTensors = (b: Batch) => ({ x: tensor(b.x, { dtype: 'int32', shape: [b.B, b.T] }), y: tensor(b.y, { dtype: 'int32', shape: [b.B, b.T] }) });

/** Mean loss of a model over batches 0 … n−1 of a source, without gradients (read back once, at the end). */
export async function evaluate(model: LanguageModel, source: BatchSource, n: number): Promise<number> {
  const losses: Tensor[] = [];
  try {
    for (let k = 0; k < n; k++) losses.push(keep(scope(() => noGrad(() => { const { x, y } = toTensors(source.batch(k)); return model.loss(x, y); }))));
    const values = await Promise.all(losses.map((l) => l.itemAsync()));
    return values.reduce((a, b) => a + b, 0) / n;
  } finally {
    for (const l of losses) l.dispose();
  }
}

/**
 * The training loop: per iteration, zero grads, accumulate micro-batch gradients, clip, AdamW step at the
 * scheduled rate; evaluates, samples and checkpoints at the given intervals.
 */
export async function trainLoop(
  model: LanguageModel, data: { train: BatchSource; validation: BatchSource | null }, optimizer: AdamW,
  options: LoopOptions, hooks: LoopHooks, startStep = 0,
): Promise<LoopResult> {
  const { steps, accumulation, schedule } = options;
  const params = model.parameters();
  const clip = options.clip > 0 ? options.clip : Infinity;
  const every = (n: number, step: number) => n > 0 && step % n === 0;
  const losses: number[] = [];
  let validation: EvalReport | null = null;
  let tokens = 0;
  const started = performance.now();
  for (let it = startStep; it < steps; it++) {
    const lr = schedule(it);
    const profiler = hooks.profiler;
    profiler?.resume();
    optimizer.zeroGrad();
    const loss = await accumulateGradientsAsync(accumulation, (m) => {
      const batch = data.train.batch(it * accumulation + m);
      tokens += batch.B * batch.T;
      const { x, y } = toTensors(batch);
      return model.loss(x, y);
    });
    if (!Number.isFinite(loss)) {
      throw new Error(`training diverged: loss is ${loss} at iteration ${it + 1}; lower the learning rate (--lr) or keep clipping on (--clip 1), and resume from the last checkpoint`);
    }
    // Booked under 'optimizer': the clip's sums and AdamW (the clip's scaling, after the read, is not).
    const norm = profiler ? profiler.phase('optimizer', () => clipGradNormAsync(params, clip)) : clipGradNormAsync(params, clip);
    const gradNorm = await norm;
    if (profiler) profiler.phase('optimizer', () => optimizer.step(lr));
    else optimizer.step(lr);
    if (profiler) { profiler.pause(); profiler.steps++; }
    losses.push(loss);
    const step = it + 1;
    const seconds = (performance.now() - started) / 1000;
    const report: StepReport = {
      step, steps, loss, lr, gradNorm, tokensPerSecond: tokens / seconds, etaSeconds: (seconds / (step - startStep)) * (steps - step),
    };
    hooks.logger.step(report);
    hooks.record?.({ kind: 'train', ...report });
    const last = step === steps;
    if (data.validation && options.evalBatches > 0 && (every(options.evalEvery, step) || last)) {
      const vl = await evaluate(model, data.validation, options.evalBatches);
      validation = { step, loss: vl, perplexity: Math.exp(vl) };
      hooks.logger.evaluation(validation);
      hooks.record?.({ kind: 'eval', ...validation });
    }
    if (hooks.sample && (every(options.sampleEvery, step) || last)) {
      for (const { prompt, text } of await hooks.sample()) hooks.logger.sample(step, prompt, text);
    }
    const stop = hooks.shouldStop?.() ?? false;
    if (last || stop || every(options.checkpointEvery, step)) await hooks.checkpoint?.(step, last ? 'end' : stop ? 'interrupted' : 'interval');
    if (stop && !last) return { step, losses, validation, interrupted: true };
    await new Promise((resolve) => setImmediate(resolve)); // let signal handlers run
  }
  return { step: Math.max(steps, startStep), losses, validation, interrupted: false };
}
