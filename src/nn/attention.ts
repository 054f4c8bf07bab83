// Causal multi-head self-attention as in the i3 scripts (spec §3.3): one qkv projection chunked into
// q | k | v, heads of size D = C / H, scores q·kᵀ/√D, causal mask, softmax over keys, output projection.
// `step` carries a key/value cache so generation attends to the past without recomputing it.
// Shapes: B batch, T new tokens, P cached (past) tokens, C channels, H heads, D head size.

import { mul } from '../ops/elementwise.ts';
import { concat } from '../ops/join.ts';
import { matmul } from '../ops/matmul.ts';
import { maskedFill } from '../ops/elementwise.ts';
import { softmax } from '../ops/nn.ts';
import { permute, reshape, slice, squeeze, transpose } from '../ops/view.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Linear } from './layers.ts';
import { Module, type InitOptions } from './module.ts';

export interface KVCache {
  k: Tensor; // (B, H, P, D)
  v: Tensor; // (B, H, P, D)
}

export class CausalSelfAttention extends Module {
  readonly qkv: Linear;
  readonly outProj: Linear;
  readonly headDim: number;

  constructor(readonly dim: number, readonly heads: number, options: InitOptions = {}) {
    super();
    if (dim % heads !== 0) throw new Error(`CausalSelfAttention: d_model ${dim} is not divisible by n_heads ${heads}`);
    this.headDim = dim / heads;
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, options));
    this.outProj = this.child('out_proj', new Linear(dim, dim, options));
  }

  forward(x: Tensor): Tensor {
    return this.attend(x, null).y;
  }

  /** Attends T new tokens to the cached past and themselves; returns the grown cache. */
  step(x: Tensor, cache: KVCache | null): { y: Tensor; cache: KVCache } {
    const { y, k, v } = this.attend(x, cache);
    return { y, cache: { k, v } };
  }

  private attend(x: Tensor, past: KVCache | null): { y: Tensor; k: Tensor; v: Tensor } {
    const [B, T] = x.shape;
    const [H, D] = [this.heads, this.headDim];
    // (B, T, 3C) → (B, T, 3, H, D) → (3, B, H, T, D); q, k, v are strided views, no copies
    const qkv = permute(reshape(this.qkv.forward(x), [B, T, 3, H, D]), [2, 0, 3, 1, 4]);
    const [q, kNew, vNew] = [0, 1, 2].map((i) => squeeze(slice(qkv, 0, i, i + 1), 0)); // (B, H, T, D)
    const k = past ? concat([past.k, kNew], 2) : kNew; // (B, H, P+T, D)
    const v = past ? concat([past.v, vNew], 2) : vNew;
    const P = k.shape[2] - T;
    const scores = mul(matmul(q, transpose(k)), 1 / Math.sqrt(D)); // (B, H, T, P+T)
    const att = softmax(maskedFill(scores, causalMask(T, P, x), -Infinity), -1);
    const heads = matmul(att, v); // (B, H, T, D)
    const merged = reshape(permute(heads, [0, 2, 1, 3]), [B, T, H * D]); // (B, T, C)
    return { y: this.outProj.forward(merged), k, v };
  }
}

/** (T, P+T) with 1 where key j lies in the future of query i (at absolute position P + i). */
function causalMask(T: number, P: number, like: Tensor): Tensor {
  const data = new Float64Array(T * (P + T));
  for (let i = 0; i < T; i++) data.fill(1, i * (P + T) + P + i + 1, (i + 1) * (P + T));
  return tensor(data, { shape: [T, P + T], dtype: like.dtype, backend: like.backend });
}
