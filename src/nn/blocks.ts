// The three pre-norm residual blocks of i3 (spec §3.3, §4.1):
//   hybrid:    x ← x + Hybrid(LN1(x));     x ← x + FFN(LN2(x))
//   rwkv4:     x ← x + TimeMix(LN1(x));    x ← x + ChannelMix(LN2(x))
//   attention: x ← x + Attention(LN1(x));  x ← x + FFN(LN2(x))
// Each has `forward` (a whole sequence, for training) and `step` (a chunk of new tokens with the
// recurrent state or key/value cache carried from the previous call, for generation).

import { add } from '../ops/elementwise.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { CausalSelfAttention, type KVCache } from './attention.ts';
import { RWKVMambaHybrid, type HybridState } from './hybrid.ts';
import { FeedForward, LayerNorm } from './layers.ts';
import { Module, type InitOptions } from './module.ts';
import { RWKVChannelMix, RWKVTimeMix, type TimeMixState } from './rwkv.ts';

/** The three block kinds of an i3 model. */
export type BlockKind = 'hybrid' | 'rwkv4' | 'attention';

/** Sizes every block is built from: width, heads, state size and FFN multiplier. */
export interface BlockSizes { dim: number; heads: number; stateSize: number; ffnMult: number }

/** What a block carries from one step() to the next, by kind. */
export type BlockState =
  | { kind: 'hybrid'; hybrid: HybridState }
  | { kind: 'rwkv4'; att: TimeMixState; ffnPrevious: Tensor }
  | { kind: 'attention'; cache: KVCache };

/** A residual block: forward over a whole sequence, or step over new tokens with carried state. */
export abstract class Block extends Module {
  abstract readonly kind: BlockKind;
  abstract forward(x: Tensor): Tensor;
  abstract step(x: Tensor, state: BlockState | null): { y: Tensor; state: BlockState };
}

interface Layer { forward(x: Tensor): Tensor }

/** x ← x + mixer(LN1(x)); x ← x + ffn(LN2(x)). Children are registered in the original's order. */
abstract class PreNormBlock<M extends Layer & Module, F extends Layer & Module> extends Block {
  readonly ln1: LayerNorm; readonly mixer: M; readonly ln2: LayerNorm; readonly ffn: F;

  constructor(dim: number, options: InitOptions, mixerName: string, mixer: M, ffn: F) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(dim, options));
    this.mixer = this.child(mixerName, mixer);
    this.ln2 = this.child('ln2', new LayerNorm(dim, options));
    this.ffn = this.child('ffn', ffn);
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.mixer.forward(this.ln1.forward(x)));
    return add(h, this.ffn.forward(this.ln2.forward(h)));
  }
}

/** Pre-norm block with the RWKVMambaHybrid mixer and the GELU feed-forward. */
export class HybridBlock extends PreNormBlock<RWKVMambaHybrid, FeedForward> {
  readonly kind = 'hybrid';

  constructor(s: BlockSizes, options: InitOptions) {
    super(s.dim, options, 'hybrid', new RWKVMambaHybrid(s.dim, s.stateSize, options), new FeedForward(s.dim, s.ffnMult, options));
  }

  step(x: Tensor, state: BlockState | null) {
    const mixed = this.mixer.step(this.ln1.forward(x), state?.kind === 'hybrid' ? state.hybrid : null);
    const h = add(x, mixed.y);
    return { y: add(h, this.ffn.forward(this.ln2.forward(h))), state: { kind: 'hybrid' as const, hybrid: mixed.state } };
  }
}

/** Pre-norm block with RWKV-v4 time mixing and channel mixing. */
export class RWKVBlock extends PreNormBlock<RWKVTimeMix, RWKVChannelMix> {
  readonly kind = 'rwkv4';

  constructor(s: BlockSizes, options: InitOptions) {
    super(s.dim, options, 'att', new RWKVTimeMix(s.dim, options), new RWKVChannelMix(s.dim, options));
  }

  step(x: Tensor, state: BlockState | null) {
    const previous = state?.kind === 'rwkv4' ? state : null;
    const att = this.mixer.step(this.ln1.forward(x), previous?.att ?? null);
    const h = add(x, att.y);
    const ffn = this.ffn.step(this.ln2.forward(h), previous?.ffnPrevious ?? null);
    return { y: add(h, ffn.y), state: { kind: 'rwkv4' as const, att: att.state, ffnPrevious: ffn.previous } };
  }
}

/** Pre-norm block with causal self-attention and the GELU feed-forward. */
export class AttentionBlock extends PreNormBlock<CausalSelfAttention, FeedForward> {
  readonly kind = 'attention';

  constructor(s: BlockSizes, options: InitOptions) {
    super(s.dim, options, 'attn', new CausalSelfAttention(s.dim, s.heads, options), new FeedForward(s.dim, s.ffnMult, options));
  }

  step(x: Tensor, state: BlockState | null) {
    const att = this.mixer.step(this.ln1.forward(x), state?.kind === 'attention' ? state.cache : null);
    const h = add(x, att.y);
    return { y: add(h, this.ffn.forward(this.ln2.forward(h))), state: { kind: 'attention' as const, cache: att.cache } };
  }
}

/** A block of the given kind. */
export function makeBlock(kind: BlockKind, sizes: BlockSizes, options: InitOptions): Block {
  switch (kind) {
    case 'hybrid': return new HybridBlock(sizes, options);
    case 'rwkv4': return new RWKVBlock(sizes, options);
    case 'attention': return new AttentionBlock(sizes, options);
    default: throw new Error(`unknown block kind '${kind as string}' (expected hybrid, rwkv4 or attention)`);
  }
}
