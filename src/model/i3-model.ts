// The i3 language model (spec §3.1, §4.1): token embedding + learned absolute positions, a stack of
// hybrid / RWKV-v4 / attention blocks, a final LayerNorm and an untied output head with bias.
// `forward` runs whole sequences (training); `step` runs new tokens against carried state (generation),
// so each new token costs one position instead of the whole window. Independent of any training loop.
// Shapes: B batch, T time, C channels (d_model), V vocabulary.

import { add } from '../ops/elementwise.ts';
import { crossEntropy } from '../ops/nn.ts';
import { expectDType } from '../ops/dispatch.ts';
import { slice } from '../ops/view.ts';
import { arange } from '../tensor/create.ts';
import { fmt } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { makeBlock, type Block, type BlockState } from '../nn/blocks.ts';
import { Embedding, LayerNorm, Linear } from '../nn/layers.ts';
import { Module, type InitOptions } from '../nn/module.ts';
import { validateConfig, type I3Config } from './config.ts';

/** Options of I3Model.step. */
export interface StepOptions {
  /** Logits of the last position only, (B, 1, V): what generation needs, without the head's cost for the others. */
  lastLogitsOnly?: boolean;
}

/** Everything generation carries between calls: one state per layer and the next position. */
export interface ModelState {
  position: number;
  layers: BlockState[];
}

class LayerList extends Module {
  readonly items: Block[];
  constructor(blocks: Block[]) {
    super();
    this.items = blocks.map((b, i) => this.child(String(i), b));
  }
}

/**
 * The i3 language model: embeddings, the blocks of the config, final LayerNorm and an untied head;
 * forward, loss, and step with carried state.
 */
export class I3Model extends Module {
  readonly embed: Embedding; readonly posEmbed: Embedding; readonly layers: LayerList;
  readonly lnF: LayerNorm; readonly head: Linear;

  constructor(readonly config: I3Config, options: InitOptions = {}) {
    super();
    validateConfig(config);
    const { vocab_size: V, d_model: C } = config;
    const sizes = { dim: C, heads: config.n_heads, stateSize: config.d_state, ffnMult: config.ffn_mult };
    this.embed = this.child('embed', new Embedding(V, C, options));
    this.posEmbed = this.child('pos_embed', new Embedding(config.max_seq_len, C, options));
    this.layers = this.child('layers', new LayerList(config.block_types.map((kind) => makeBlock(kind, sizes, options))));
    this.lnF = this.child('ln_f', new LayerNorm(C, options));
    this.head = this.child('head', new Linear(C, V, options));
  }

  /** int32 ids (B, T) → logits (B, T, V). T may not exceed max_seq_len (positions are learned). */
  forward(ids: Tensor): Tensor {
    let x = this.embedAt(ids, 0); // (B, T, C)
    for (const layer of this.layers.items) x = layer.forward(x);
    return this.head.forward(this.lnF.forward(x));
  }

  /** Mean next-token cross-entropy of forward(ids) against targets (B, T). */
  loss(ids: Tensor, targets: Tensor): Tensor {
    return crossEntropy(this.forward(ids), targets);
  }

  /**
   * Runs T new tokens (B, T) after the tokens already summarised in `state` (null: start of a
   * sequence) and returns their logits and the new state. step over a sequence in any chunking equals
   * forward over it. Positions past max_seq_len are an error here; generation decides how to slide.
   */
  step(ids: Tensor, state: ModelState | null, options: StepOptions = {}): { logits: Tensor; state: ModelState } {
    const position = state?.position ?? 0;
    const T = ids.shape[1];
    let x = this.embedAt(ids, position);
    const layers = this.layers.items.map((layer, i) => {
      const out = layer.step(x, state?.layers[i] ?? null);
      x = out.y;
      return out.state;
    });
    // Sampling reads only the last position: skip the (T−1)·C·V head products of a prompt.
    if (options.lastLogitsOnly && T > 1) x = slice(x, 1, T - 1, T); // (B, 1, C)
    return { logits: this.head.forward(this.lnF.forward(x)), state: { position: position + T, layers } };
  }

  private embedAt(ids: Tensor, position: number): Tensor {
    expectDType('i3Model', ids, ['int32'], 'ids');
    if (ids.ndim !== 2) throw new Error(`i3Model: ids must be (batch, time), got ${fmt(ids.shape)}`);
    const T = ids.shape[1];
    if (position + T > this.config.max_seq_len) {
      throw new Error(`i3Model: positions ${position}..${position + T - 1} exceed max_seq_len ${this.config.max_seq_len}; use at most ${this.config.max_seq_len} tokens (generation slides the window, see generate/)`);
    }
    const positions = arange(position, position + T, 1, { dtype: 'int32', backend: ids.backend });
    return add(this.embed.forward(ids), this.posEmbed.forward(positions)); // (B, T, C) + (T, C)
  }
}
