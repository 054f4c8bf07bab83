// The basic layers: Linear, Embedding, LayerNorm and the 4× GELU feed-forward network.
// Weight layouts follow PyTorch (Linear weight is (out, in)) so state dicts load without transposes.
// Shapes: B batch, T time, C channels (d_model).

import { add, gelu } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { embedding } from '../ops/gather.ts';
import { layerNorm } from '../ops/nn.ts';
import { reshape, transpose } from '../ops/view.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { constant, normal } from './init.ts';
import { Module, type InitOptions } from './module.ts';

/** y = x · Wᵀ + b, with PyTorch's (out, in) weight layout. */
export class Linear extends Module {
  readonly weight: Tensor; // (out, in)
  readonly bias: Tensor | null; // (out)

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', normal([outFeatures, inFeatures], 0.02, options));
    this.bias = options.bias === false ? null : this.param('bias', constant([outFeatures], 0, options));
  }

  /** (..., in) → (..., out): x · Wᵀ + b (the transpose is a free view). */
  forward(x: Tensor): Tensor {
    if (x.ndim <= 2) return this.affine(x);
    // (B, T, in) → (B·T, in): one product over every position. Batched, the weight's gradient would be
    // B products with K = T, then a sum over B; flat, it is one product with K = B·T and no sum.
    const y = this.affine(reshape(x, [-1, this.inFeatures]));
    return reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  private affine(x: Tensor): Tensor {
    const y = matmul(x, transpose(this.weight));
    return this.bias ? add(y, this.bias) : y;
  }
}

/** A table of `count` learned vectors of size `dim`, looked up by int32 ids. */
export class Embedding extends Module {
  readonly weight: Tensor; // (V, C)

  constructor(readonly count: number, readonly dim: number, options: InitOptions = {}) {
    super();
    this.weight = this.param('weight', normal([count, dim], 0.02, options));
  }

  /** int32 ids (...) → (..., C) */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

/** Layer norm over the last axis with a learned scale and shift. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  private readonly eps: number;

  constructor(readonly dim: number, options: InitOptions & { eps?: number } = {}) {
    super();
    this.weight = this.param('weight', constant([dim], 1, options));
    this.bias = this.param('bias', constant([dim], 0, options));
    this.eps = options.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, { eps: this.eps });
  }
}

/** Linear(C, mult·C) → exact GELU → Linear(mult·C, C); children '0' and '2' as in nn.Sequential. */
export class FeedForward extends Module {
  readonly up: Linear;
  readonly down: Linear;

  constructor(dim: number, mult: number, options: InitOptions = {}) {
    super();
    this.up = this.child('0', new Linear(dim, mult * dim, options));
    this.down = this.child('2', new Linear(mult * dim, dim, options));
  }

  forward(x: Tensor): Tensor { // (B, T, C) → (B, T, C)
    return this.down.forward(gelu(this.up.forward(x)));
  }
}
