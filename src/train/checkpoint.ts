// Checkpoints: a model folder that generation can load (config.json, tokenizer.json,
// model.safetensors, as src/io/model-folder.ts reads them) plus the training state:
// optimizer.safetensors (AdamW's moments, PyTorch's names) and trainer.json (iterations done, the
// optimizer's step count, the recipe and data it was trained with). The data position and the RNG
// state are the iteration count itself: batches are pure functions of (seed, index) (data/seeded.ts).
//
// Atomic: everything is written to `<dir>.saving/`, then the old `<dir>` is renamed to
// `<dir>.previous`, `<dir>.saving` to `<dir>`, and `<dir>.previous` removed. A crash at any point
// leaves a complete checkpoint in `<dir>` or, between the two renames, in `<dir>.previous`, which
// loading falls back to. Nothing is ever half-written under the name that is read.
// Tensors of a backend with its own (asynchronous) read, the gpu backend, are first copied to the cpu
// with dataAsync, so saving works on WebGPU too, where a synchronous read is impossible.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromConfigJson, toConfigJson, type I3Config } from '../model/config.ts';
import type { I3Model } from '../model/i3-model.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import type { AdamW } from '../optim/adamw.ts';
import { serializeTokenizerJson, type BpeTokenizer } from '../tokenizer/index.ts';
import type { DataSpec } from '../data/corpus.ts';
import type { Recipe } from './presets.ts';

const FORMAT_VERSION = 1;

/** trainer.json: what, besides the weights and moments, a resumed run needs. */
export interface TrainerState {
  version: number;
  /** Iterations done; the next one is this index. */
  step: number;
  optimizerStep: number;
  recipe: Recipe;
  data: DataSpec[];
}

/** A loaded checkpoint: config, tokenizer, weights, optimizer moments and trainer state. */
export interface Checkpoint {
  config: I3Config;
  tokenizerJson: string;
  weights: Map<string, Tensor>;
  moments: Map<string, Tensor>;
  state: TrainerState;
  /** The folder actually read (`<dir>.previous` after a crash mid-save). */
  path: string;
}

/** Saves model folder, optimizer moments and trainer state atomically (written aside, then renamed). */
export async function saveCheckpoint(dir: string, model: I3Model, optimizer: AdamW, tokenizer: BpeTokenizer, state: TrainerState): Promise<void> {
  const saving = `${dir}.saving`, previous = `${dir}.previous`;
  await rm(saving, { recursive: true, force: true }); // a leftover of an interrupted save
  await mkdir(saving, { recursive: true });
  const step = { step: String(state.step) };
  await writeFile(join(saving, 'config.json'), JSON.stringify(toConfigJson(model.config), null, 2) + '\n');
  await writeFile(join(saving, 'tokenizer.json'), serializeTokenizerJson(tokenizer.model));
  await writeFile(join(saving, 'model.safetensors'), await withHostCopies(model.namedParameters(), (t) => writeSafetensors(t, { format: 'pt', ...step })));
  await writeFile(join(saving, 'optimizer.safetensors'), await withHostCopies(optimizer.stateDict(), (t) => writeSafetensors(t, step)));
  await writeFile(join(saving, 'trainer.json'), JSON.stringify(state, null, 2) + '\n');
  if (existsSync(dir)) await rename(dir, previous);
  await rename(saving, dir);
  await rm(previous, { recursive: true, force: true });
}

/** Calls `use` with the tensors readable by data(): cpu copies of those on a backend with its own read. */
async function withHostCopies<T>(named: Iterable<readonly [string, Tensor]>, use: (tensors: Array<readonly [string, Tensor]>) => T): Promise<T> {
  const copies: Tensor[] = [];
  try {
    const pairs = await Promise.all([...named].map(async ([name, t]) => {
      if (!t.storage.backend.read) return [name, t] as const;
      const copy = tensor(await t.dataAsync(), { shape: t.shape, backend: 'cpu' });
      copies.push(copy);
      return [name, copy] as const;
    }));
    return use(pairs);
  } finally {
    for (const t of copies) t.dispose();
  }
}

/** True if `dir` (or its `.previous` fallback) holds a checkpoint. */
export const hasCheckpoint = (dir: string): boolean => existsSync(join(dir, 'trainer.json')) || existsSync(join(`${dir}.previous`, 'trainer.json'));

/** Loads a checkpoint from `dir`, or from `dir.previous` when a save was interrupted. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const path = existsSync(join(dir, 'trainer.json')) ? dir : `${dir}.previous`;
  if (!existsSync(join(path, 'trainer.json'))) throw new Error(`no checkpoint in '${dir}' (no trainer.json); start a new run without --resume, or point --out at a previous run's folder`);
  const read = async (name: string) => readFile(join(path, name));
  const state = JSON.parse((await read('trainer.json')).toString('utf8')) as TrainerState;
  if (state.version !== FORMAT_VERSION) throw new Error(`${path}/trainer.json: format version ${state.version}, this program reads ${FORMAT_VERSION}`);
  const weights = readSafetensors(await read('model.safetensors'), join(path, 'model.safetensors'));
  const moments = readSafetensors(await read('optimizer.safetensors'), join(path, 'optimizer.safetensors'));
  for (const [name, file] of [['model', weights], ['optimizer', moments]] as const) {
    if (file.metadata.step !== String(state.step)) throw new Error(`${path}: ${name}.safetensors is from step ${file.metadata.step} but trainer.json from step ${state.step}; the checkpoint is inconsistent`);
  }
  return {
    config: fromConfigJson(JSON.parse((await read('config.json')).toString('utf8'))),
    tokenizerJson: (await read('tokenizer.json')).toString('utf8'),
    weights: weights.tensors, moments: moments.tensors, state, path,
  };
}

/** A TrainerState of the current format version. */
export const newTrainerState = (step: number, optimizerStep: number, recipe: Recipe, data: DataSpec[]): TrainerState =>
  ({ version: FORMAT_VERSION, step, optimizerStep, recipe, data });
