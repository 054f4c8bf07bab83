// A tiny model folder for tests: all three block kinds, random weights, a BPE tokenizer with <EOS>.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '../../src/index.ts';
import { saveModelFolder } from '../../src/io/model-folder.ts';
import { BpeTokenizer, trainBpe } from '../../src/tokenizer/index.ts';

export const TINY: I.I3Config = {
  vocab_size: 300, d_model: 16, n_heads: 2, d_state: 4, ffn_mult: 4, max_seq_len: 32, block_types: ['hybrid', 'rwkv4', 'attention'],
};

export async function tinyTokenizer(): Promise<BpeTokenizer> {
  return new BpeTokenizer(await trainBpe(['Once upon a time there was a cat.', 'The cat sat on the mat. Hello!'], { vocabSize: 290 }));
}

export function tinyModel(seed = 1, config = TINY): I.I3Model {
  return new I.I3Model(config, { generator: new I.Generator(seed) }).eval();
}

/** Writes a tiny model folder under a new temporary directory and returns its path. */
export async function tinyFolder(seed = 1): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'i3-model-')), 'model');
  await saveModelFolder(dir, tinyModel(seed), await tinyTokenizer());
  return dir;
}
