// PyTorch checkpoints made by real PyTorch 2.11 (scripts/make-torch-fixture.py): the state dicts
// read back, and our forward on them reproduces the logits PyTorch computed (float32, 1e-4).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { configFromStateDict } from '../../src/io/infer-config.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { readTorchCheckpoint } from '../../src/io/torch-pickle.ts';
import { ChunkTokenizer } from '../../src/tokenizer/index.ts';

const t = suite('PyTorch checkpoints');
const I3 = fileURLToPath(new URL('../../bin/i3.js', import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/torch/${name}`, import.meta.url));
const expected = readSafetensors(fixture('logits.safetensors')).tensors;

for (const [file, key, kinds] of [['hybrid-plain.pt', 'hybrid', 'hybrid,hybrid,attention'], ['rwkv-wrapped.pt', 'rwkv', 'rwkv4,rwkv4,attention']] as const) {
  t(`${file}: our forward matches PyTorch's logits (float32, 1e-4)`, () => {
    const weights = readTorchCheckpoint(fixture(file), file);
    const config = configFromStateDict(weights, 2, file);
    assert.is(config.block_types.join(','), kinds);
    const model = new I.I3Model(config, { randomInit: false });
    model.loadStateDict(weights);
    const got = I.noGrad(() => model.forward(expected.get('ids')!)).data();
    const want = expected.get(key)!.data();
    assert.is(got.length, want.length);
    let worst = 0;
    want.forEach((w, i) => { worst = Math.max(worst, Math.abs(w - got[i])); });
    assert.ok(worst <= 1e-4, `max |ours − torch| = ${worst}`);
  });
}

t('the stored (torch default) and deflated archives are both read; the wrapped dict is unwrapped', () => {
  assert.is(readTorchCheckpoint(fixture('hybrid-plain.pt'), 'a').size, 44);
  assert.is(readTorchCheckpoint(fixture('rwkv-wrapped.pt'), 'b').size, 54);
});

t("safetensors F16 / BF16 written by the safetensors library widen to PyTorch's float32 values", () => {
  const { tensors, metadata } = readSafetensors(fixture('half.safetensors'));
  assert.equal(metadata, { made_by: 'safetensors.torch.save_file' });
  assert.equal([...tensors.get('f16')!.data()], [...tensors.get('f16_as_f32')!.data()]);
  assert.equal([...tensors.get('bf16')!.data()], [...tensors.get('bf16_as_f32')!.data()]);
});

t('truncated or foreign files are clear errors', () => {
  const file = fixture('hybrid-plain.pt');
  assert.throws(() => readTorchCheckpoint(file.subarray(0, 1000), 'x.pt'), /x\.pt: not a zip archive/);
  assert.throws(() => readTorchCheckpoint(fixture('logits.safetensors'), 'y.pt'), /y\.pt: not a zip archive/);
});

t('i3 convert writes a model folder that i3 generate runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'i3-convert-'));
  try {
    writeFileSync(join(dir, 'tok.json'), new ChunkTokenizer(['<UNK>', 'on', 'ce', ' u', 'po', 'n ', 'a ', 'ti', 'me']).toJson());
    const run = (args: string[]) => spawnSync(process.execPath, [I3, ...args], { encoding: 'utf8', timeout: 60_000 });
    const conv = run(['convert', fileURLToPath(new URL('../fixtures/torch/rwkv-wrapped.pt', import.meta.url)), '--out', join(dir, 'm'), '--tokenizer', join(dir, 'tok.json'), '--heads', '2']);
    assert.is(conv.status, 0, conv.stderr);
    assert.match(conv.stderr, /rwkv4 rwkv4 attention/);
    const gen = run(['generate', '--model', join(dir, 'm'), '--prompt', 'once upon a time', '--max-new-tokens', '5']);
    assert.is(gen.status, 0, gen.stderr);
    assert.ok(gen.stdout.startsWith('once upon a time'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
