// `i3 train` as a user runs it: --help, a few iterations of the test preset, and Ctrl-C (SIGINT)
// saving a checkpoint that --resume continues.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const t = suite('i3 train (command line)');
const I3 = fileURLToPath(new URL('../../bin/i3.js', import.meta.url));
const sample = fileURLToPath(new URL('../../data/tinystories/TinyStories-train.sample.txt', import.meta.url));
let dir = '', data = '';
t.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'i3-train-cli-'));
  data = join(dir, 'stories.txt');
  writeFileSync(data, readFileSync(sample, 'utf8').slice(0, 30_000));
});
t.after(() => rmSync(dir, { recursive: true, force: true }));
const common = () => ['train', '--preset', 'test', '--data', `${data},format=tinystories`, '--cache-dir', join(dir, 'cache')];

t('--help lists the presets and the recipe options', () => {
  const out = execFileSync(process.execPath, [I3, 'train', '--help'], { encoding: 'utf8' });
  for (const word of ['card', 'demo', '--resume', '--steps', '--accumulation', '--data SPEC']) assert.ok(out.includes(word), word);
});

t('trains a few iterations, prints the losses and leaves a model folder', () => {
  const out = join(dir, 'run');
  const r = execFileSync(process.execPath, [I3, ...common(), '--steps', '3', '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(r, /trained 3 iterations; last training loss \d+\.\d+; validation loss/);
  assert.ok(existsSync(join(out, 'checkpoint', 'model.safetensors')));
});

t('--profile prints where an iteration\'s time went: ops by phase, kernels, matmul share, allocations', () => {
  const out = join(dir, 'profiled');
  const r = execFileSync(process.execPath, [I3, ...common(), '--steps', '2', '--out', out, '--profile'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(r, /profile: 2 iterations, [\d.]+ ms per iteration; matmul kernel [\d.]+ % of the time/);
  assert.match(r, /allocations per iteration: [\d.,]+ storages \([\d.]+ MB\), [\d.,]+ tensors/);
  assert.match(r, /\nop +forward ms +calls +backward ms +calls +optimizer ms +calls +total ms +share\n/);
  for (const row of ['matmul', 'crossEntropy', '(outside ops', 'total', 'time per kernel', 'all kernels']) assert.ok(r.includes(`\n${row}`), row);
});

t('a bad option value is a clear error with a non-zero exit', () => {
  let message = '';
  try { execFileSync(process.execPath, [I3, 'train', '--preset', 'nope'], { encoding: 'utf8', stdio: 'pipe' }); } catch (e) { message = String((e as { stderr: string }).stderr); }
  assert.match(message, /unknown training preset 'nope' \(available: card, card-v2, demo, test\)/);
});

t('Ctrl-C saves a checkpoint and exits with 130; --resume finishes the run', async () => {
  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [I3, ...common(), '--steps', '400', '--checkpoint-every', '0', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  // interrupt once the first iteration has been recorded
  while (!existsSync(join(out, 'metrics.jsonl'))) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is(code, 130, stderr);
  assert.match(stderr, /checkpoint at step \d+ saved .*continue with --resume/);
  const saved = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')).step;
  assert.ok(saved >= 1 && saved < 400, `saved at ${saved}`);
  const r = execFileSync(process.execPath, [I3, 'train', '--resume', '--steps', String(saved + 2), '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(r, new RegExp(`trained ${saved + 2} iterations`));
});

t.run();
