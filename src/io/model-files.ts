// A model from the contents of a model folder's three files (see model-folder.ts for the layout),
// with no file system: Node reads the folder (model-folder.ts), a browser gets the bytes from fetch()
// or a dropped folder (playground/). Every error names the file it is about.
// d_state is derived from the shape of `layers.*.hybrid.A` rather than trusting config.json: the
// original exporter hard-codes d_state 64 although the i3-80M has 32 (spec §3.6).

import { fromConfigJson, type I3Config } from '../model/config.ts';
import { I3Model } from '../model/i3-model.ts';
import type { FloatDType } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readSafetensors } from './safetensors.ts';
import { parseTokenizerFile, type Tokenizer } from './tokenizer-file.ts';

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

/** The contents of the three files, and the names to use for each in error messages. */
export interface ModelFiles {
  config: string;
  weights: Uint8Array;
  tokenizer: string;
  /** Where the files came from, prefixed to each file name in errors (e.g. 'models/tiny-stories'). */
  source: string;
}

/** Builds the model from the files' contents; a wrong shape or a tokenizer too big for the model is an error naming the file. */
export function modelFromFiles(files: ModelFiles, { dtype = 'float32' }: { dtype?: FloatDType } = {}): LoadedModel {
  const path = (name: string) => `${files.source}/${name}`;
  let json: Record<string, unknown>;
  try { json = JSON.parse(files.config); } catch (err) {
    throw new Error(`${path('config.json')}: not valid JSON (${(err as Error).message}); the file may be truncated`);
  }
  const { tensors } = readSafetensors(files.weights, path('model.safetensors'));
  const notes: string[] = [];
  let config: I3Config;
  try { config = fromConfigJson(json); } catch (err) { throw new Error(`${path('config.json')}: ${(err as Error).message}`); }
  config = withStateSizeFromWeights(config, tensors, notes);

  let tokenizer: Tokenizer;
  try { tokenizer = parseTokenizerFile(files.tokenizer); } catch (err) { throw new Error(`${path('tokenizer.json')}: ${(err as Error).message}`); }
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(`${path('tokenizer.json')}: ${tokenizer.vocabSize} tokens, but config.json's vocab_size is ${config.vocab_size}; the tokenizer does not belong to this model`);
  }

  const model = new I3Model(config, { dtype, randomInit: false });
  try { model.loadStateDict(tensors); } catch (err) { throw new Error(`${path('model.safetensors')} does not fit config.json: ${(err as Error).message}`); }
  for (const t of tensors.values()) t.dispose();
  return { model: model.eval(), tokenizer, config, notes };
}

/** d_state is the size of the hybrid blocks' A (N × N); models without hybrid blocks do not use it. */
export function withStateSizeFromWeights(config: I3Config, tensors: ReadonlyMap<string, Tensor>, notes: string[]): I3Config {
  const entry = [...tensors].find(([name]) => /^layers\.\d+\.hybrid\.A$/.test(name));
  if (!entry || entry[1].shape[0] === config.d_state) return config;
  const [name, A] = entry;
  notes.push(`config.json says d_state ${config.d_state} but ${name} is [${A.shape.join(', ')}]; using ${A.shape[0]} (the original exporter writes 64 whatever the model, spec §3.6)`);
  return { ...config, d_state: A.shape[0] };
}
