// The training run end to end on a small slice of the bundled TinyStories: the loss falls, a run
// interrupted and resumed gives bit-identical losses to an uninterrupted one, checkpoints are
// complete model folders, and the tensor count stays flat across iterations.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { parseDataSpec } from '../../src/data/index.ts';
import { loadCheckpoint, recipe, runTraining, silentLogger, type Logger, type StepReport } from '../../src/train/index.ts';

const t = suite('train');
let dir = '';
const sample = fileURLToPath(new URL('../../data/tinystories/TinyStories-train.sample.txt', import.meta.url));
t.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'i3-train-'));
  writeFileSync(join(dir, 'stories.txt'), readFileSync(sample, 'utf8').slice(0, 40_000)); // ~50 stories
});
t.after(() => rmSync(dir, { recursive: true, force: true }));

const recording = (): Logger & { steps: StepReport[] } => {
  const steps: StepReport[] = [];
  return { ...silentLogger, steps, step: (r) => steps.push(r) };
};
const run = (out: string, extra: { resume?: boolean; stopAfter?: number; steps?: number } = {}) => {
  const logger = recording();
  const r = { ...recipe('test'), steps: extra.steps ?? 6 };
  return runTraining({
    recipe: r, data: [parseDataSpec(`${join(dir, 'stories.txt')},format=tinystories`)], out: join(dir, out), resume: extra.resume,
    cacheDir: join(dir, 'cache'), logger, shouldStop: () => extra.stopAfter !== undefined && logger.steps.length >= extra.stopAfter,
  }).then((result) => ({ result, losses: logger.steps.map((s) => s.loss), logger }));
};

t('interrupted after 2 iterations and resumed: the losses equal the uninterrupted run bit for bit', async () => {
  const whole = await run('whole');
  const first = await run('split', { stopAfter: 2 });
  assert.ok(first.result.interrupted);
  assert.is(first.losses.length, 2);
  assert.is((await loadCheckpoint(join(dir, 'split', 'checkpoint'))).state.step, 2);
  const rest = await run('split', { resume: true });
  assert.is(rest.losses.length, 4);
  assert.equal([...first.losses, ...rest.losses], whole.losses); // exact equality, not a tolerance
  const wholeWeights = whole.result.model.parameters().map((p) => [...p.data()]);
  assert.equal(rest.result.model.parameters().map((p) => [...p.data()]), wholeWeights);
  // metrics.jsonl holds each step once, in order
  const steps = readFileSync(join(dir, 'split', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.kind === 'train').map((e) => e.step);
  assert.equal(steps, [1, 2, 3, 4, 5, 6]);
  for (const r of [whole, first, rest]) r.result.model.dispose();
});

t('a checkpoint is a complete model folder and no temporary folders are left behind', async () => {
  const files = readdirSync(join(dir, 'whole', 'checkpoint')).sort();
  assert.equal(files, ['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer.json']);
  assert.equal(readdirSync(join(dir, 'whole')).sort(), ['checkpoint', 'loss.svg', 'metrics.jsonl']);
  const saved = await loadCheckpoint(join(dir, 'whole', 'checkpoint'));
  assert.is(saved.state.step, 6);
  assert.is(saved.state.optimizerStep, 6);
  assert.is(saved.moments.size, 2 * saved.weights.size);
  assert.is(saved.state.recipe.lr, recipe('test').lr);
});

t('a crash between the two renames leaves the previous checkpoint, which loading falls back to', async () => {
  const out = join(dir, 'whole', 'checkpoint');
  const { renameSync } = await import('node:fs');
  renameSync(out, `${out}.previous`);
  assert.is((await loadCheckpoint(out)).state.step, 6);
  renameSync(`${out}.previous`, out);
});

t('resume refuses a folder without a checkpoint; a fresh run refuses to overwrite one', async () => {
  const missing = await run('nothing', { resume: true }).catch((e: Error) => e.message);
  assert.match(String(missing), /no checkpoint in .*start a new run without --resume/);
  const clash = await run('whole').catch((e: Error) => e.message);
  assert.match(String(clash), /already holds a checkpoint; continue it with --resume/);
});

t('the loss falls over 25 iterations and the live tensor count stays flat', async () => {
  const before = I.memory('cpu').tensors;
  const { result, losses } = await run('longer', { steps: 25 });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 0.5, `losses ${losses.map((l) => l.toFixed(2)).join(' ')}`);
  assert.ok(result.validation !== null && result.validation.loss < losses[0]);
  // after the run only the model's parameters (and their last gradients) remain
  const params = result.model.parameters().length;
  assert.is(I.memory('cpu').tensors - before, 2 * params);
  result.model.dispose();
  assert.ok(existsSync(join(dir, 'longer', 'checkpoint', 'model.safetensors')));
});

t.run();
