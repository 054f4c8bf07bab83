// A model folder: what `i3 convert` and training write, and what `i3 generate` / `i3 chat` load.
//   config.json        the original exporter's field names (spec §3.6) via toConfigJson
//   model.safetensors  the parameters, named exactly as the original PyTorch state dict (spec §3.5, §4.4)
//   tokenizer.json     Hugging Face BPE, or the chunk tokenizer's JSON (see tokenizer-file.ts)
// This file does the file IO; model-files.ts builds the model from the contents (also in a browser).

import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toConfigJson } from '../model/config.ts';
import type { I3Model } from '../model/i3-model.ts';
import type { FloatDType } from '../tensor/dtype.ts';
import { ChunkTokenizer } from '../tokenizer/index.ts';
import { FOLDER_FILES, modelFromFiles, type LoadedModel } from './model-files.ts';
import { writeSafetensors } from './safetensors.ts';
import { serializeTokenizerFile, type Tokenizer } from './tokenizer-file.ts';

export { FOLDER_FILES, withStateSizeFromWeights, type LoadedModel } from './model-files.ts';

/** Writes config.json, model.safetensors and tokenizer.json into `dir` (created if missing). */
export async function saveModelFolder(dir: string, model: I3Model, tokenizer: Tokenizer): Promise<void> {
  if (tokenizer.vocabSize > model.config.vocab_size) {
    throw new Error(`saveModelFolder: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocab_size} embeddings`);
  }
  await mkdir(dir, { recursive: true });
  const kind = tokenizer instanceof ChunkTokenizer ? 'chunk' : 'bpe';
  await writeFile(join(dir, 'config.json'), JSON.stringify(toConfigJson(model.config, kind), null, 2) + '\n');
  await writeFile(join(dir, 'model.safetensors'), writeSafetensors(model.namedParameters(), { format: 'pt' }));
  await writeFile(join(dir, 'tokenizer.json'), serializeTokenizerFile(tokenizer));
}

/**
 * Loads a model folder; a missing file, a wrong shape or a tokenizer too big for the model is an error
 * naming the file.
 */
export async function loadModelFolder(dir: string, { dtype = 'float32' }: { dtype?: FloatDType } = {}): Promise<LoadedModel> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`model folder '${dir}' does not exist; make one with 'i3 convert pytorch_model.bin --out ${dir}' or by training`);
  }
  const missing = FOLDER_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) throw new Error(`model folder '${dir}' has no ${missing.join(', ')} (a model folder holds ${FOLDER_FILES.join(', ')})`);
  const [config, weights, tokenizer] = await Promise.all([
    readFile(join(dir, 'config.json'), 'utf8'), readFile(join(dir, 'model.safetensors')), readFile(join(dir, 'tokenizer.json'), 'utf8'),
  ]);
  return modelFromFiles({ config, weights, tokenizer, source: dir }, { dtype });
}
