// Token generation on the recurrent state and key/value caches (I3Model.step): the prompt is run
// once, then each new token costs one position, where the original re-runs the whole window for
// every token (spec §3.7; that method is in original.ts, for comparison).
//
// The sliding window. Positions are learned and stop at max_seq_len L, and the original's answer
// past it is to run the last L tokens from a fresh start (its hybrid state starts at zero on every
// call). We do the same so the outputs stay identical: once the state holds L tokens, the next
// token is computed by re-prefilling the last L tokens (the L − 1 before it and itself) with a
// fresh state. Below L a token costs one position; past it, one window, as in the original.

import { noGrad } from '../autograd/grad-mode.ts';
import { keep, scope } from '../backend/memory.ts';
import type { I3Model, ModelState } from '../model/i3-model.ts';
import { slice } from '../ops/view.ts';
import { tensor } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkSamplingOptions, sampleToken, type SamplingOptions } from './sampling.ts';

/** Sampling options plus how many tokens, the seed and the end-of-sequence id. */
export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Seed of the sampling generator (default 0), so a run can be repeated. */
  seed?: number;
  /** Generation ends when this id is produced; it is not yielded. */
  eosId?: number;
}

/** Throws a readable error for a bad option or an empty or out-of-vocabulary prompt. */
export function checkGenerateOptions(model: I3Model, prompt: readonly number[], o: GenerateOptions): void {
  checkSamplingOptions(o);
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) throw new Error(`max new tokens is ${o.maxNewTokens}; it must be a whole number ≥ 1`);
  if (prompt.length === 0) throw new Error('the prompt is empty; give at least one token of text to continue');
  const L = model.config.max_seq_len;
  if (prompt.length > L) throw new Error(`the prompt is ${prompt.length} tokens but the model's context is ${L}; shorten it`);
  const V = model.config.vocab_size;
  const bad = prompt.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= V);
  if (bad >= 0) throw new Error(`prompt id ${prompt[bad]} (at ${bad}) is not in the vocabulary 0..${V - 1}`);
}

/**
 * The state of one generation, shared by generateTokens (synchronous reads) and streamTokens (reads
 * with dataAsync, so it also runs where reading back is asynchronous: the gpu backend on WebGPU).
 * Each round: next() runs the model for the newest position and returns its logits row (a tensor,
 * still on the device), the caller reads it, and choose() picks the id.
 */
class Decoding {
  private readonly L: number;
  private readonly generator: Generator;
  private readonly tokens: number[];
  private state: ModelState | null = null;
  private produced = 0;
  private last: number | null = null;
  private done = false;

  constructor(private readonly model: I3Model, prompt: readonly number[], private readonly o: GenerateOptions) {
    checkGenerateOptions(model, prompt, o);
    this.L = model.config.max_seq_len;
    this.generator = new Generator(o.seed ?? 0);
    this.tokens = [...prompt];
  }

  /** The logits (1, V) of the next position, to be read and disposed by the caller; null when generation is over. */
  next(): Tensor | null {
    if (this.done) return null;
    if (this.last === null) return this.run(this.tokens, null);
    if (this.state!.position < this.L) return this.run([this.last], this.state);
    return this.run(this.tokens.slice(-this.L), null); // the window is full: slide it (see the header)
  }

  /** The id drawn from the logits of next(); null when it is <EOS> (which ends generation). */
  choose(logits: ArrayLike<number>): number | null {
    const id = sampleToken(logits, this.tokens, this.o, this.generator);
    if (id === this.o.eosId) {
      this.done = true;
      return null;
    }
    this.tokens.push(id);
    this.last = id;
    this.done = ++this.produced === this.o.maxNewTokens;
    return id;
  }

  /** Frees the carried state. */
  dispose(): void {
    if (this.state) disposeState(this.state, null);
    this.state = null;
  }

  private run(ids: number[], from: ModelState | null): Tensor {
    let logits!: Tensor;
    const next = noGrad(() => scope(() => {
      const out = this.model.step(tensor([ids], { dtype: 'int32' }), from, { lastLogitsOnly: true });
      logits = keep(lastRowTensor(out.logits)); // outlives the scope; the caller reads and disposes it
      return out.state;
    }));
    if (this.state) disposeState(this.state, next);
    this.state = next;
    return logits;
  }
}

/** Yields new token ids one at a time, as each is produced (synchronous reads: not on WebGPU, use streamTokens). */
export function* generateTokens(model: I3Model, prompt: readonly number[], o: GenerateOptions): IterableIterator<number> {
  const decoding = new Decoding(model, prompt, o);
  try {
    for (let logits = decoding.next(); logits; logits = decoding.next()) {
      const id = decoding.choose(readAndDispose(logits));
      if (id === null) return;
      yield id;
    }
  } finally {
    decoding.dispose();
  }
}

/** The same stream, asynchronously, on every backend: logits are read with dataAsync, and it yields to
 * the event loop after each token, so output is flushed and Ctrl-C is seen while a long generation runs. */
export async function* streamTokens(model: I3Model, prompt: readonly number[], o: GenerateOptions): AsyncGenerator<number, void, undefined> {
  const decoding = new Decoding(model, prompt, o);
  try {
    for (let logits = decoding.next(); logits; logits = decoding.next()) {
      let values: ArrayLike<number>;
      try {
        values = await logits.dataAsync();
      } finally {
        logits.dispose();
      }
      const id = decoding.choose(values);
      if (id === null) return;
      yield id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    decoding.dispose();
  }
}

function readAndDispose(t: Tensor): ArrayLike<number> {
  try {
    return t.data();
  } finally {
    t.dispose();
  }
}

/** The last position of logits (1, T, V), as a (1, 1, V) view. */
function lastRowTensor(logits: Tensor): Tensor {
  const T = logits.shape[1];
  return slice(logits, 1, T - 1, T);
}

/** Logits of the last position of (1, T, V), as a flat array. */
export function lastRow(logits: Tensor): Float32Array | Float64Array {
  return lastRowTensor(logits).data() as Float32Array | Float64Array;
}

/** Frees the tensors of `old` that `current` does not reuse. */
function disposeState(old: ModelState, current: ModelState | null): void {
  const live = new Set(current ? current.layers.flatMap(tensorsOf) : []);
  for (const t of old.layers.flatMap(tensorsOf)) if (!live.has(t) && !t.isDisposed) t.dispose();
}

function tensorsOf(value: object): Tensor[] {
  return Object.values(value).flatMap((v) => (typeof v === 'object' && v !== null ? ('isDisposed' in v ? [v as Tensor] : tensorsOf(v)) : []));
}
