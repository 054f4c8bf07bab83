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

export type BlockKind = 'hybrid' | 'rwkv4' | 'attention';

export interface BlockSizes { dim: number; heads: number; stateSize: number; ffnMult: number }

export type BlockState =
  | { kind: 'hybrid'; hybrid: HybridState }
  | { kind: 'rwkv4'; att: TimeMixState; ffnPrevious: Tensor }
  | { kind: 'attention'; cache: KVCache };

export abstract class Block extends Module {
  abstract readonly kind: BlockKind;
  abstract forward(x: Tensor): Tensor;
  abstract step(x: Tensor, state: BlockState | null): { y: Tensor; state: BlockState };
}

export class HybridBlock extends Block {
  readonly kind = 'hybrid';
  readonly ln1: LayerNorm; readonly hybrid: RWKVMambaHybrid; readonly ln2: LayerNorm; readonly ffn: FeedForward;

  constructor(s: BlockSizes, options: InitOptions) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(s.dim, options));
    this.hybrid = this.child('hybrid', new RWKVMambaHybrid(s.dim, s.stateSize, options));
    this.ln2 = this.child('ln2', new LayerNorm(s.dim, options));
    this.ffn = this.child('ffn', new FeedForward(s.dim, s.ffnMult, options));
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.hybrid.forward(this.ln1.forward(x)));
    return add(h, this.ffn.forward(this.ln2.forward(h)));
  }

  step(x: Tensor, state: BlockState | null) {
    const mixed = this.hybrid.step(this.ln1.forward(x), state?.kind === 'hybrid' ? state.hybrid : null);
    const h = add(x, mixed.y);
    return { y: add(h, this.ffn.forward(this.ln2.forward(h))), state: { kind: 'hybrid' as const, hybrid: mixed.state } };
  }
}

export class RWKVBlock extends Block {
  readonly kind = 'rwkv4';
  readonly ln1: LayerNorm; readonly att: RWKVTimeMix; readonly ln2: LayerNorm; readonly ffn: RWKVChannelMix;

  constructor(s: BlockSizes, options: InitOptions) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(s.dim, options));
    this.att = this.child('att', new RWKVTimeMix(s.dim, options));
    this.ln2 = this.child('ln2', new LayerNorm(s.dim, options));
    this.ffn = this.child('ffn', new RWKVChannelMix(s.dim, options));
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.att.forward(this.ln1.forward(x)));
    return add(h, this.ffn.forward(this.ln2.forward(h)));
  }

  step(x: Tensor, state: BlockState | null) {
    const previous = state?.kind === 'rwkv4' ? state : null;
    const att = this.att.step(this.ln1.forward(x), previous?.att ?? null);
    const h = add(x, att.y);
    const ffn = this.ffn.step(this.ln2.forward(h), previous?.ffnPrevious ?? null);
    return { y: add(h, ffn.y), state: { kind: 'rwkv4' as const, att: att.state, ffnPrevious: ffn.previous } };
  }
}

export class AttentionBlock extends Block {
  readonly kind = 'attention';
  readonly ln1: LayerNorm; readonly attn: CausalSelfAttention; readonly ln2: LayerNorm; readonly ffn: FeedForward;

  constructor(s: BlockSizes, options: InitOptions) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(s.dim, options));
    this.attn = this.child('attn', new CausalSelfAttention(s.dim, s.heads, options));
    this.ln2 = this.child('ln2', new LayerNorm(s.dim, options));
    this.ffn = this.child('ffn', new FeedForward(s.dim, s.ffnMult, options));
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.ln1.forward(x)));
    return add(h, this.ffn.forward(this.ln2.forward(h)));
  }

  step(x: Tensor, state: BlockState | null) {
    const att = this.attn.step(this.ln1.forward(x), state?.kind === 'attention' ? state.cache : null);
    const h = add(x, att.y);
    return { y: add(h, this.ffn.forward(this.ln2.forward(h))), state: { kind: 'attention' as const, cache: att.cache } };
  }
}

export function makeBlock(kind: BlockKind, sizes: BlockSizes, options: InitOptions): Block {
  switch (kind) {
    case 'hybrid': return new HybridBlock(sizes, options);
    case 'rwkv4': return new RWKVBlock(sizes, options);
    case 'attention': return new AttentionBlock(sizes, options);
    default: throw new Error(`unknown block kind '${kind as string}' (expected hybrid, rwkv4 or attention)`);
  }
}
