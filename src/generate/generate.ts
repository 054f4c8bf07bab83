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
import { scope } from '../backend/memory.ts';
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

/** Yields new token ids one at a time, as each is produced. */
export function* generateTokens(model: I3Model, prompt: readonly number[], o: GenerateOptions): IterableIterator<number> {
  checkGenerateOptions(model, prompt, o);
  const L = model.config.max_seq_len;
  const generator = new Generator(o.seed ?? 0);
  const tokens = [...prompt];
  let state: ModelState | null = null;
  let logits: Float32Array | Float64Array = new Float32Array(0);
  const run = (ids: number[], from: ModelState | null) => {
    const next = noGrad(() => scope(() => {
      const out = model.step(tensor([ids], { dtype: 'int32' }), from, { lastLogitsOnly: true });
      logits = lastRow(out.logits);
      return out.state;
    }));
    if (state) disposeState(state, next);
    state = next;
  };
  try {
    run(tokens, null);
    for (let n = 0; n < o.maxNewTokens; n++) {
      const id = sampleToken(logits, tokens, o, generator);
      if (id === o.eosId) return;
      yield id;
      tokens.push(id);
      if (n + 1 === o.maxNewTokens) return;
      if (state!.position < L) run([id], state);
      else run(tokens.slice(-L), null); // the window is full: slide it (see the header)
    }
  } finally {
    if (state) disposeState(state, null);
  }
}

/** The same stream, asynchronously: it yields to the event loop after each token, so output is
 * flushed and Ctrl-C is seen while a long generation runs. */
export async function* streamTokens(model: I3Model, prompt: readonly number[], o: GenerateOptions): AsyncGenerator<number, void, undefined> {
  for (const id of generateTokens(model, prompt, o)) {
    yield id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Logits of the last position of (1, T, V), as a flat array. */
export function lastRow(logits: Tensor): Float32Array | Float64Array {
  const [, T, V] = logits.shape;
  return slice(logits, 1, T - 1, T).data() as Float32Array | Float64Array;
}

/** Frees the tensors of `old` that `current` does not reuse. */
function disposeState(old: ModelState, current: ModelState | null): void {
  const live = new Set(current ? current.layers.flatMap(tensorsOf) : []);
  for (const t of old.layers.flatMap(tensorsOf)) if (!live.has(t) && !t.isDisposed) t.dispose();
}

function tensorsOf(value: object): Tensor[] {
  return Object.values(value).flatMap((v) => (typeof v === 'object' && v !== null ? ('isDisposed' in v ? [v as Tensor] : tensorsOf(v)) : []));
}
