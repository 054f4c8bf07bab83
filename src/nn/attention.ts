// Causal multi-head self-attention as in the i3 scripts (spec §3.3): one qkv projection chunked into
// q | k | v, heads of size D = C / H, scores q·kᵀ/√D, causal mask, softmax over keys, output projection.
// `step` carries a key/value cache so generation attends to the past without recomputing it.
// Shapes: B batch, T new tokens, P cached (past) tokens, C channels, H heads, D head size.
// The backward is the chain of the ops' own rules, written out in docs/derivations/attention.md.

import { isGradEnabled } from '../autograd/grad-mode.ts';
import { allocateLike, runKernelInto } from '../ops/dispatch.ts';
import { maskedFill, mul } from '../ops/elementwise.ts';
import { concat } from '../ops/join.ts';
import { matmul } from '../ops/matmul.ts';
import { softmax } from '../ops/nn.ts';
import { permute, reshape, slice, squeeze, transpose, view } from '../ops/view.ts';
import { tensor } from '../tensor/create.ts';
import { getBackend, type Storage } from '../backend/backend.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Linear } from './layers.ts';
import { Module, type InitOptions } from './module.ts';

/** Keys and values of the past positions, (B, H, P, D) each. */
export interface KVCache {
  k: Tensor; // (B, H, P, D)
  v: Tensor; // (B, H, P, D)
}

/** Causal multi-head self-attention (spec §3.3), with a key/value cache for step(). */
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
    return this.attend(x, null, false).y;
  }

  /** Attends T new tokens to the cached past and themselves; returns the grown cache. */
  step(x: Tensor, cache: KVCache | null): { y: Tensor; cache: KVCache } {
    const { y, k, v } = this.attend(x, cache, true);
    return { y, cache: { k, v } };
  }

  private attend(x: Tensor, past: KVCache | null, caching: boolean): { y: Tensor; k: Tensor; v: Tensor } {
    const [B, T] = x.shape;
    const [H, D] = [this.heads, this.headDim];
    // (B, T, 3C) → (B, T, 3, H, D) → (3, B, H, T, D); q, k, v are strided views, no copies
    const qkv = permute(reshape(this.qkv.forward(x), [B, T, 3, H, D]), [2, 0, 3, 1, 4]);
    const [q, kNew, vNew] = [0, 1, 2].map((i) => squeeze(slice(qkv, 0, i, i + 1), 0)); // (B, H, T, D)
    // On a backend that compiles a kernel per shape, attend over the caches' whole buffers (see grow).
    // The cpu reads the filled part only: less work, and its float32 matmul picks a kernel by size, so
    // a wider product could round differently from the same product over the filled keys.
    const wide = caching && getBackend(x.backend).compilesPerShape === true;
    const [k, kSeen] = caching ? grow(past?.k ?? null, kNew, wide) : [kNew, kNew]; // (B, H, P+T, D), (B, H, S, D)
    const [v, vSeen] = caching ? grow(past?.v ?? null, vNew, wide) : [vNew, vNew];
    const [P, S] = [k.shape[2] - T, kSeen.shape[2]]; // S keys seen: P+T, or the buffer's capacity
    const scores = mul(matmul(q, transpose(kSeen)), 1 / Math.sqrt(D)); // (B, H, T, S)
    // One new token may see every key: it has no future to mask (unless the keys run past the filled ones).
    const att = softmax(T === 1 && S === P + T ? scores : maskedFill(scores, causalMask(T, P, S, x), -Infinity), -1);
    const heads = matmul(att, vSeen); // (B, H, T, D): masked keys weigh exactly 0, and their values are zeros
    const merged = reshape(permute(heads, [0, 2, 1, 3]), [B, T, H * D]); // (B, T, C)
    return { y: this.outProj.forward(merged), k, v };
  }
}

/** How many positions of a cache buffer hold keys/values, so only the newest view appends in place. */
const filled = new WeakMap<Storage, number>();

/**
 * The cache (B, H, P, D) followed by `next` (B, H, T, D), and the keys or values attention reads. During
 * inference the cache is a view of a buffer with spare positions (B, H, capacity, D): `next` is written
 * after the P filled ones and the result is a longer view, so a token costs O(T), not a copy of the whole
 * past. The buffer doubles when full; a step from an older state (the buffer already filled past P)
 * copies instead of overwriting. With gradients recorded it is a plain concat, which autograd can see.
 * `wide`: attention reads the whole buffer instead of the filled view, so its kernels' shapes change
 * only when the buffer doubles, not with every token; the spare positions were never written (zeros).
 */
function grow(past: Tensor | null, next: Tensor, wide: boolean): [cache: Tensor, seen: Tensor] {
  if (isGradEnabled() && (next.requiresGrad || past?.requiresGrad)) {
    const cache = past ? concat([past, next], 2) : next;
    return [cache, cache];
  }
  const [B, H, T, D] = next.shape;
  const P = past ? past.shape[2] : 0;
  const capacity = past ? past.strides[1] / D : 0;
  const appendable = past !== null && past.offset === 0 && filled.get(past.storage) === P && P + T <= capacity;
  let buffer: Tensor;
  if (appendable) {
    buffer = view(past, [B, H, capacity, D], past.strides, 0);
  } else {
    buffer = allocateLike('attention cache', next, [B, H, 2 * (P + T), D]);
    if (past) writeInto(buffer, past, 0);
  }
  writeInto(buffer, next, P);
  filled.set(buffer.storage, P + T);
  const grown = view(buffer, [B, H, P + T, D], buffer.strides, 0);
  if (wide) return [grown, buffer];
  buffer.dispose();
  return [grown, grown];
}

/** Copies src (B, H, T, D) into positions [at, at + T) of buffer (B, H, capacity, D). */
function writeInto(buffer: Tensor, src: Tensor, at: number): void {
  const window = view(buffer, src.shape, buffer.strides, at * buffer.strides[2]);
  runKernelInto('attention cache', 'copy', [src], window);
  window.dispose();
}

/** (T, S) with 1 where key j lies in the future of query i (at absolute position P + i), S ≥ P + T. */
function causalMask(T: number, P: number, S: number, like: Tensor): Tensor {
  const data = new Float64Array(T * S);
  for (let i = 0; i < T; i++) data.fill(1, i * S + P + i + 1, (i + 1) * S);
  return tensor(data, { shape: [T, S], dtype: like.dtype, backend: like.backend });
}
