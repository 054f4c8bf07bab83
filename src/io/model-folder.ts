// A model folder: what `i3 convert` and training write, and what `i3 generate` / `i3 chat` load.
//   config.json        the original exporter's field names (spec §3.6) via toConfigJson
//   model.safetensors  the parameters, named exactly as the original PyTorch state dict (spec §3.5, §4.4)
//   tokenizer.json     Hugging Face BPE, or the chunk tokenizer's JSON (see tokenizer-file.ts)
// Loading derives d_state from the shape of `layers.*.hybrid.A` rather than trusting config.json: the
// original exporter hard-codes d_state 64 although the i3-80M has 32 (spec §3.6).

import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromConfigJson, toConfigJson, type I3Config } from '../model/config.ts';
import { I3Model } from '../model/i3-model.ts';
import type { FloatDType } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { ChunkTokenizer } from '../tokenizer/index.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { parseTokenizerFile, serializeTokenizerFile, type Tokenizer } from './tokenizer-file.ts';

/** The three files every model folder holds. */
export const FOLDER_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

/** A model folder after loading: the model in eval mode, its tokenizer and config, and any corrections made. */
export interface LoadedModel {
  model: I3Model;
  tokenizer: Tokenizer;
  config: I3Config;
  /** Corrections made while loading (e.g. the d_state fix), for the caller to show. */
  notes: string[];
}

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

  const configPath = join(dir, 'config.json');
  let json: Record<string, unknown>;
  try { json = JSON.parse(await readFile(configPath, 'utf8')); } catch (err) {
    throw new Error(`${configPath}: not valid JSON (${(err as Error).message}); the file may be truncated`);
  }
  const weightsPath = join(dir, 'model.safetensors');
  const { tensors } = readSafetensors(await readFile(weightsPath), weightsPath);
  const notes: string[] = [];
  const config = withStateSizeFromWeights(fromConfigJsonIn(configPath, json), tensors, notes);

  const tokenizerPath = join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer;
  try { tokenizer = parseTokenizerFile(await readFile(tokenizerPath, 'utf8')); } catch (err) { throw new Error(`${tokenizerPath}: ${(err as Error).message}`); }
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(`${tokenizerPath}: ${tokenizer.vocabSize} tokens, but config.json's vocab_size is ${config.vocab_size}; the tokenizer does not belong to this model`);
  }

  const model = new I3Model(config, { dtype, randomInit: false });
  try { model.loadStateDict(tensors); } catch (err) { throw new Error(`${weightsPath} does not fit config.json: ${(err as Error).message}`); }
  for (const t of tensors.values()) t.dispose();
  return { model: model.eval(), tokenizer, config, notes };
}

function fromConfigJsonIn(path: string, json: Record<string, unknown>): I3Config {
  try { return fromConfigJson(json); } catch (err) { throw new Error(`${path}: ${(err as Error).message}`); }
}

/** d_state is the size of the hybrid blocks' A (N × N); models without hybrid blocks do not use it. */
export function withStateSizeFromWeights(config: I3Config, tensors: ReadonlyMap<string, Tensor>, notes: string[]): I3Config {
  const entry = [...tensors].find(([name]) => /^layers\.\d+\.hybrid\.A$/.test(name));
  if (!entry || entry[1].shape[0] === config.d_state) return config;
  const [name, A] = entry;
  notes.push(`config.json says d_state ${config.d_state} but ${name} is [${A.shape.join(', ')}]; using ${A.shape[0]} (the original exporter writes 64 whatever the model, spec §3.6)`);
  return { ...config, d_state: A.shape[0] };
}
