// `i3 train`: train an i3 model from a preset recipe (src/train/presets.ts), every setting overridable.
// This file parses arguments and prints; the library (src/train/) does the work and reports through
// the Logger below. Ctrl-C once: finish the current iteration, save a checkpoint, exit. Twice: exit now.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDataSpec } from '../data/corpus.ts';
import { RECIPES, recipe, runTraining, type Logger, type Recipe } from '../train/index.ts';
import type { Command } from './main.ts';
import { formatProfile } from '../backend/profile-table.ts';
import { selectBackend } from '../backend/gpu-select.ts';

const BUNDLED = 'data/tinystories/TinyStories-train.sample.txt';

const USAGE = `usage: i3 train [options]
  --preset NAME          recipe: ${Object.keys(RECIPES).join(', ')} (default demo)
                         card = the i3-200M card: AdamW 4e-4, warmup 25 + cosine to 10 %, clip 1.0,
                         micro-batch 4 x 8 accumulation, 250 iterations, T 256, model i3-200m
  --data SPEC            training text, repeatable: PATH[,format=F][,weight=W][,field=NAME]
                         formats: tinystories (.txt with <|endoftext|>), jsonl, tinychat, sentences,
                         wikitext; guessed from the file name when omitted (default: ${BUNDLED})
  --out DIR              run folder: checkpoint/ and metrics.jsonl (default runs/<preset>)
  --resume               continue the run in --out (its recipe and data; --steps may raise the total)
  --overwrite            delete the checkpoint in --out and start again
  --steps N              iterations            --batch-size N     micro-batch size
  --accumulation N       micro-batches per iteration            --seq-len T   window length
  --lr X                 peak learning rate    --warmup N         warmup iterations
  --min-lr-fraction X    cosine floor (0.1)    --clip X           global-norm clip (0: off)
  --weight-decay X       AdamW decay           --decay all|matrices  decay 1-D params too (all) or not
  --vocab-size N         BPE vocabulary        --windows random|sequential
  --eval-every N         --sample-every N      --checkpoint-every N
  --seed N               data order, split, windows and initialisation
  --cache-dir DIR        built tokenizers (default .cache/tokenizers)
  --profile              at the end, print where each iteration's time went: per op (forward,
                         backward, optimizer), per kernel, the matmul share and allocations
  --backend cpu|gpu      gpu: gpu.js, path from I3_GPU_MODE / I3_GPU=require (README, GPU backend)`;

const NUMBERS = {
  steps: 'steps', 'batch-size': 'microBatch', accumulation: 'accumulation', 'seq-len': 'seqLen', lr: 'lr', warmup: 'warmup',
  'min-lr-fraction': 'minLrFraction', clip: 'clip', 'weight-decay': 'weightDecay', 'vocab-size': 'vocabSize',
  'eval-every': 'evalEvery', 'sample-every': 'sampleEvery', 'checkpoint-every': 'checkpointEvery', seed: 'seed',
} as const satisfies Record<string, keyof Recipe>;

const seconds = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(0)} s`);

/** Progress on stderr: one line rewritten in a terminal; elsewhere a line every 10 iterations. */
function terminalLogger(): Logger {
  const tty = process.stderr.isTTY;
  const line = (text: string) => process.stderr.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  return {
    step: (r) => {
      const width = 20, done = Math.round((width * r.step) / r.steps);
      const text = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] step ${r.step}/${r.steps}  loss ${r.loss.toFixed(3)}  lr ${r.lr.toExponential(2)}  ` +
        `|g| ${r.gradNorm.toFixed(2)}  ${r.tokensPerSecond.toFixed(0)} tok/s  ETA ${seconds(r.etaSeconds)}`;
      if (tty) process.stderr.write(`\r\x1b[K${text}`);
      else if (r.step % 10 === 0 || r.step === r.steps) process.stderr.write(`${text}\n`);
    },
    evaluation: (e) => line(`  validation at step ${e.step}: loss ${e.loss.toFixed(3)}, perplexity ${e.perplexity.toFixed(1)}`),
    sample: (step, prompt, text) => line(`  sample at step ${step}: ${JSON.stringify(prompt + text)}`),
    checkpoint: (step, path, reason) => { if (reason !== 'interval') line(`  checkpoint at step ${step} saved to ${path}${reason === 'interrupted' ? ' (interrupted; continue with --resume)' : ''}`); },
    info: (message) => line(message),
  };
}

/** `i3 train`. */
export const trainCommand: Command = {
  summary: 'train an i3 model (presets: the card recipe, demo, test)',
  async run(args) {
    const options = Object.fromEntries(Object.keys(NUMBERS).map((k) => [k, { type: 'string' as const }]));
    const { values } = parseArgs({
      args, options: {
        ...options, help: { type: 'boolean' }, preset: { type: 'string', default: 'demo' }, data: { type: 'string', multiple: true },
        out: { type: 'string' }, resume: { type: 'boolean' }, overwrite: { type: 'boolean' }, decay: { type: 'string' },
        windows: { type: 'string' }, 'cache-dir': { type: 'string' }, profile: { type: 'boolean' }, backend: { type: 'string', default: 'cpu' },
      },
    });
    if (values.help) { console.log(USAGE); return; }
    const backendLine = await selectBackend(values.backend);
    if (backendLine) console.error(backendLine);
    const r = recipe(values.preset!);
    const given = values as Record<string, unknown>; // the numeric options, declared from NUMBERS
    for (const [flag, key] of Object.entries(NUMBERS)) {
      const v = given[flag];
      if (typeof v !== 'string') continue;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag}: '${v}' is not a non-negative number`);
      (r[key] as number) = n;
    }
    if (values.decay) {
      if (values.decay !== 'all' && values.decay !== 'matrices') throw new Error(`--decay: '${values.decay}' (expected all or matrices)`);
      r.decay = values.decay;
    }
    if (values.windows) {
      if (values.windows !== 'random' && values.windows !== 'sequential') throw new Error(`--windows: '${values.windows}' (expected random or sequential)`);
      r.windows = values.windows;
    }
    const out = values.out ?? join('runs', values.preset!);
    if (values.overwrite) await rm(join(out, 'checkpoint'), { recursive: true, force: true });
    const data = (values.data ?? [BUNDLED]).map(parseDataSpec);

    let stopping = false;
    const onInterrupt = () => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write('\ninterrupted: saving a checkpoint after this iteration (Ctrl-C again to quit without saving)\n');
    };
    process.on('SIGINT', onInterrupt);
    try {
      const result = await runTraining({
        recipe: r, data, out, resume: values.resume, steps: values.resume && given.steps !== undefined ? r.steps : undefined,
        cacheDir: values['cache-dir'], logger: terminalLogger(), shouldStop: () => stopping, profile: values.profile,
      });
      if (result.profile) console.log(`\n${formatProfile(result.profile, 'iteration')}`);
      if (result.interrupted) { process.exitCode = 130; return; }
      const v = result.validation;
      console.log(`\ntrained ${result.step} iterations; last training loss ${result.losses.at(-1)?.toFixed(3) ?? '-'}` +
        (v ? `; validation loss ${v.loss.toFixed(3)} (perplexity ${v.perplexity.toFixed(1)})` : '') +
        `; unigram entropy of the data ${result.unigramEntropy.toFixed(3)} nats`);
      console.log(`model folder: ${join(out, 'checkpoint')}`);
      result.model.dispose();
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  },
};
