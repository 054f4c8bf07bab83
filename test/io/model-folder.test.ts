// Model folders: save → load gives the same logits; the original exporter's wrong d_state is fixed
// from the weights; every missing or corrupt file is a clear error naming the file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { loadModelFolder, saveModelFolder } from '../../src/io/model-folder.ts';
import { ChunkTokenizer } from '../../src/tokenizer/index.ts';
import { tinyFolder, tinyModel, tinyTokenizer, TINY } from './helpers.ts';

const t = suite('model folder');
const ids = I.tensor([[5, 9, 200, 3, 17]], { dtype: 'int32' });
const logits = (m: I.I3Model) => I.noGrad(() => m.forward(ids)).data();

t('save → load: same config, same tokenizer, same logits', async () => {
  const dir = await tinyFolder(7);
  const loaded = await loadModelFolder(dir);
  assert.equal(loaded.config, TINY);
  assert.equal(loaded.notes, []);
  assert.equal(loaded.tokenizer.encode('Once upon a time'), (await tinyTokenizer()).encode('Once upon a time'));
  assert.equal([...logits(loaded.model)], [...logits(tinyModel(7))]);
  const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.is(json.model_type, 'i3');
  assert.is(json.conv_layers, 1);
  assert.is(json.attn_layers, 1);
});

t("the original exporter's d_state 64 is replaced by the size of hybrid.A, with a note", async () => {
  const dir = await tinyFolder(3);
  const path = join(dir, 'config.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify({ ...json, d_state: 64 }));
  const loaded = await loadModelFolder(dir);
  assert.is(loaded.config.d_state, 4);
  assert.match(loaded.notes[0], /config\.json says d_state 64 but layers\.0\.hybrid\.A is \[4, 4\]; using 4/);
  assert.equal([...logits(loaded.model)], [...logits(tinyModel(3))]);
});

t('an original-format config.json (no block_types) loads as hybrids then attention', async () => {
  const config = { ...TINY, vocab_size: 40, block_types: ['hybrid', 'hybrid', 'attention'] } as I.I3Config;
  const dir = (await tinyFolder()).replace(/model$/, 'original');
  await saveModelFolder(dir, tinyModel(2, config), new ChunkTokenizer(['<UNK>', 'th', 'e ', 'ca', 't']));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['i3Model'], model_type: 'i3', vocab_size: 40, d_model: 16, n_layers: 3, n_heads: 2, max_seq_len: 32,
    conv_layers: 2, attn_layers: 1, d_state: 64, tokenizer_type: 'chunk', torch_dtype: 'float32',
  }));
  const loaded = await loadModelFolder(dir);
  assert.equal(loaded.config.block_types, ['hybrid', 'hybrid', 'attention']);
  assert.ok(loaded.tokenizer instanceof ChunkTokenizer);
  assert.equal(loaded.tokenizer.encode('the cat'), [1, 2, 3, 4]);
});

const broken: Array<[string, (dir: string) => void, RegExp]> = [
  ['no folder', (dir) => rmSync(dir, { recursive: true }), /model folder '.*' does not exist; make one with 'i3 convert/],
  ['no weights', (dir) => rmSync(join(dir, 'model.safetensors')), /has no model\.safetensors \(a model folder holds config\.json, model\.safetensors, tokenizer\.json\)/],
  ['truncated config.json', (dir) => writeFileSync(join(dir, 'config.json'), '{"vocab_size": 3'), /config\.json: not valid JSON .* may be truncated/],
  ['config.json without the layer counts', (dir) => writeFileSync(join(dir, 'config.json'), '{"vocab_size": 300}'), /config\.json: config\.json: field 'conv_layers' is missing/],
  ['truncated weights', (dir) => { const p = join(dir, 'model.safetensors'); const b = readFileSync(p); writeFileSync(p, b.subarray(0, b.length - 10)); }, /model\.safetensors: tensors need \d+ bytes of data but the file has \d+ \(truncated\)/],
  ['weights of another shape', (dir) => {
    const p = join(dir, 'config.json');
    writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), d_model: 32 }));
  }, /model\.safetensors does not fit config\.json: loadStateDict: 'embed\.weight' has shape \[300, 16\] in the checkpoint but \[300, 32\]/],
  ['a corrupt tokenizer', (dir) => writeFileSync(join(dir, 'tokenizer.json'), '{"model": '), /tokenizer\.json: tokenizer\.json: text is not valid JSON/],
];
for (const [what, breakIt, message] of broken) {
  t(`clear error: ${what}`, async () => {
    const dir = await tinyFolder();
    breakIt(dir);
    try { await loadModelFolder(dir); assert.unreachable('loaded a broken folder'); } catch (err) {
      assert.match((err as Error).message, message);
    }
  });
}

t.run();
