// Training recipes. `card` is the i3-200M model card's recipe (spec §3.8, §4.6, §8.5): AdamW lr 4e-4
// with PyTorch's β, ε and weight decay 0.01 on every parameter, linear warmup then cosine down to
// 10 % of peak, global-norm clip 1.0, micro-batch 4 × 8 accumulation steps, 250 iterations, T = 256.
// The warmup length of the 250-iteration run is not stated (the 80M script uses 100 of 5000, the
// i3-Ethan paper 200 of 5000); we take 25, a tenth of the run, so most of it is spent learning.
// `demo` trains a ~0.27M-parameter i3 on the bundled TinyStories sample in about three minutes on a
// laptop CPU; `test` is a few seconds of a tiny model, for the tests.

import { preset as modelPreset, type I3Config } from '../model/config.ts';

/** A training recipe: model, tokenizer size, batch, optimizer and schedule settings (the i3 card's, or smaller). */
export interface Recipe {
  /** The model: a preset name or a config; vocab_size is replaced by the tokenizer's size. */
  model: string | I3Config;
  /** BPE vocabulary to train on the data (includes <UNK> <PAD> <BOS> <EOS>). */
  vocabSize: number;
  steps: number;
  microBatch: number;
  accumulation: number;
  seqLen: number;
  lr: number;
  warmup: number;
  /** Cosine floor as a fraction of lr. */
  minLrFraction: number;
  weightDecay: number;
  decay: 'all' | 'matrices';
  betas: [number, number];
  eps: number;
  /** Global-norm clip; 0 turns clipping off. */
  clip: number;
  windows: 'random' | 'sequential';
  validationFraction: number;
  evalEvery: number;
  evalBatches: number;
  sampleEvery: number;
  checkpointEvery: number;
  seed: number;
}

const card: Recipe = {
  model: 'i3-200m', vocabSize: 32000, steps: 250, microBatch: 4, accumulation: 8, seqLen: 256,
  lr: 4e-4, warmup: 25, minLrFraction: 0.1, weightDecay: 0.01, decay: 'all', betas: [0.9, 0.999], eps: 1e-8, clip: 1,
  windows: 'random', validationFraction: 0.05, evalEvery: 50, evalBatches: 4, sampleEvery: 50, checkpointEvery: 50, seed: 0,
};

/** The named recipes (card, card-v2, demo, test). */
export const RECIPES: Record<string, Recipe> = {
  card,
  'card-v2': { ...card, model: 'i3-200m-v2' },
  demo: {
    ...card,
    model: { vocab_size: 1024, d_model: 64, n_heads: 4, d_state: 8, ffn_mult: 4, max_seq_len: 64, block_types: ['hybrid', 'rwkv4', 'attention'] },
    // 1,024 BPE tokens are mostly whole words of TinyStories, so 300 steps already read like a story.
    vocabSize: 1024, steps: 300, microBatch: 8, accumulation: 1, seqLen: 64, lr: 4e-3, warmup: 15,
    evalEvery: 50, evalBatches: 4, sampleEvery: 100, checkpointEvery: 50,
  },
  test: {
    ...card, model: 'i3-test', vocabSize: 300, steps: 6, microBatch: 2, accumulation: 2, seqLen: 16, lr: 1e-2, warmup: 2,
    evalEvery: 3, evalBatches: 1, sampleEvery: 0, checkpointEvery: 3,
  },
};

/** A copy of the recipe called `name`; an unknown name is an error listing them. */
export function recipe(name: string): Recipe {
  const r = RECIPES[name];
  if (!r) throw new Error(`unknown training preset '${name}' (available: ${Object.keys(RECIPES).join(', ')})`);
  return structuredClone(r);
}

/** The model config of a recipe, sized to the tokenizer's vocabulary and to fit T positions. */
export function modelConfig(r: Recipe, vocabSize: number): I3Config {
  const base = typeof r.model === 'string' ? modelPreset(r.model) : structuredClone(r.model);
  if (r.seqLen > base.max_seq_len) throw new Error(`sequence length ${r.seqLen} exceeds the model's max_seq_len ${base.max_seq_len}; lower --seq-len`);
  return { ...base, vocab_size: vocabSize };
}
