// Neural-network ops with fused kernels: softmax, log-softmax, cross-entropy over token ids,
// layer norm, and seeded dropout. Fused because the naive compositions are slower and, for
// softmax / cross-entropy, numerically fragile (they need the max-subtraction trick).

import { rand, tensor } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import { fmt, normalizeAxis, sameShape, sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { expectDType, expectSameDType, runKernel } from './dispatch.ts';
import { exp, ge, mul, sub } from './elementwise.ts';
import { defineOp } from './op.ts';
import { sum } from './reduce.ts';
import { contiguous, reshape, transpose, view } from './view.ts';

/** Runs a last-axis row kernel on any axis: swap it to the end, make rows contiguous, swap back. */
function alongAxis(op: string, kernel: string, x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(op, axis, x.ndim);
  const last = x.ndim - 1;
  const moved = a === last ? x : transpose(x, a, last);
  const rows = contiguous(moved);
  const [y] = runKernel(op, kernel, [rows], [{ shape: rows.shape }]);
  for (const t of new Set([moved, rows])) if (t !== x) t.dispose();
  if (a === last) return y;
  const out = transpose(y, a, last);
  y.dispose();
  return out;
}

const rowDomain = (run: (x: Tensor, axis?: number) => Tensor) => (d: import('./draw.ts').Draw) => {
  const shape = d.shape(1, 3);
  const axis = d.int(-shape.length, shape.length - 1);
  return { inputs: [d.tensor(shape, -4, 4)], run: ([x]: readonly Tensor[]) => run(x, axis) };
};

/** Softmax along an axis (default the last); backward ∂x = y ⊙ (g − Σ g ⊙ y), derived in docs/derivations/softmax-cross-entropy.md. */
export const softmax = defineOp(
  { name: 'softmax', doc: 'exp(x) / Σ exp(x) along an axis (fused, max-subtracted)', kernels: ['softmax', 'mul', 'sub', 'sum'], differentiable: true, domain: (d, op) => rowDomain(op)(d) },
  (x: Tensor, axis: number = -1) => {
    const y = alongAxis('softmax', 'softmax', x, axis);
    // dx = y · (g − Σ g·y): one fused pass over rows where the backend has the kernel (the CPU's,
    // kernels/cpu/softmax.ts and SIMD) and the axis is the last; else composed from ops.
    const fused = normalizeAxis('softmax', axis, x.ndim) === x.ndim - 1 && y.storage.backend.kernel('softmaxBackward', y.dtype);
    return {
      out: y,
      backward: (g) => {
        if (!fused) return [mul(y, sub(g, sum(mul(g, y), axis, true)))];
        const gc = contiguous(g);
        const [dx] = runKernel('softmax backward', 'softmaxBackward', [gc, y], [{ shape: y.shape }]);
        if (gc !== g) gc.dispose();
        return [dx];
      },
    };
  },
);

export const logSoftmax = defineOp(
  { name: 'logSoftmax', doc: 'x − log Σ exp(x) along an axis (fused)', kernels: ['logSoftmax', 'exp', 'mul', 'sub', 'sum'], differentiable: true, domain: (d, op) => rowDomain(op)(d) },
  (x: Tensor, axis: number = -1) => {
    const y = alongAxis('logSoftmax', 'logSoftmax', x, axis);
    // dx = g − softmax · Σ g
    return { out: y, backward: (g) => [sub(g, mul(exp(y), sum(g, axis, true)))] };
  },
);

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (no loss, no gradient) and not counted in the mean. */
  ignoreIndex?: number;
}

/** Mean cross-entropy of logits (..., V) against int32 targets (...). */
export const crossEntropy = defineOp(
  {
    name: 'crossEntropy', doc: 'mean token cross-entropy from logits and int32 targets, optional ignoreIndex (fused)',
    kernels: ['crossEntropy', 'crossEntropyBackward'], differentiable: true,
    domain: (d, crossEntropy) => {
      const V = d.int(1, 5);
      const rows = d.shape(1, 2, 3);
      // With ignoring on, class V marks ignored rows (never the first, so the mean is over at least one row).
      const ignoring = d.bool();
      const values = Array.from({ length: sizeOf(rows) }, (_, i) => (ignoring && i > 0 && d.bool() ? V : d.int(0, V - 1)));
      const targets = tensor(values, { dtype: 'int32', shape: rows });
      const options = { ignoreIndex: ignoring ? V : -100 };
      return { inputs: [d.tensor([...rows, V], -3, 3)], run: ([x]) => crossEntropy(x, targets, options) };
    },
  },
  (logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}) => {
    expectDType('crossEntropy', targets, ['int32'], 'targets');
    const V = logits.shape[logits.ndim - 1];
    if (logits.ndim < 1 || !sameShape(logits.shape.slice(0, -1), targets.shape)) {
      throw new Error(`crossEntropy: logits ${fmt(logits.shape)} need targets of shape ${fmt(logits.shape.slice(0, -1))}, got ${fmt(targets.shape)}`);
    }
    const attrs = { ignoreIndex: options.ignoreIndex ?? -100 };
    const rows = reshape(contiguous(logits), [-1, V]);
    const ids = reshape(contiguous(targets), [-1]);
    const [loss, lse] = runKernel('crossEntropy', 'crossEntropy', [rows, ids], [{ shape: [] }, { shape: [rows.shape[0]] }], attrs);
    return {
      out: loss,
      saved: [rows, ids, lse],
      backward: (g) => [reshape(runKernel('crossEntropy backward', 'crossEntropyBackward', [g, rows, ids, lse], [{ shape: rows.shape }], attrs)[0], logits.shape), null],
    };
  },
);

/** Options of layerNorm: eps (default 1e-5). */
export interface LayerNormOptions { eps?: number }

/** Layer norm over the last axis, with optional weight and bias (both or neither), eps 1e-5 by default. */
export const layerNorm = defineOp(
  {
    name: 'layerNorm', doc: 'normalise the last axis, then scale and shift (fused forward and backward)',
    kernels: ['layerNorm', 'layerNormBackward'], differentiable: true,
    domain: (d, layerNorm) => {
      const shape = d.shape(1, 3);
      const C = shape[shape.length - 1];
      const affine = d.bool();
      const inputs = [d.tensor(shape, -3, 3), ...(affine ? [d.tensor([C], 0.5, 2), d.tensor([C], -1, 1)] : [])];
      return { inputs, run: ([x, w, b]) => layerNorm(x, w ?? null, b ?? null) };
    },
  },
  (x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, options: LayerNormOptions = {}) => {
    const C = x.shape[x.ndim - 1];
    if ((weight === null) !== (bias === null)) throw new Error('layerNorm: pass both weight and bias, or neither');
    for (const p of [weight, bias]) {
      if (p && !sameShape(p.shape, [C])) throw new Error(`layerNorm: weight and bias must have shape [${C}] for input ${fmt(x.shape)}, got ${fmt(p.shape)}`);
    }
    expectSameDType('layerNorm', [x, ...(weight && bias ? [weight, bias] : [])]);
    // The kernels index rows and parameters directly, so they take contiguous copies (views are free).
    const params = weight && bias ? [contiguous(weight), contiguous(bias)] : [];
    const xc = contiguous(x);
    const rows = x.shape.slice(0, -1);
    const attrs = { eps: options.eps ?? 1e-5 };
    const [y, mean, rstd] = runKernel('layerNorm', 'layerNorm', [xc, ...params], [{ shape: x.shape }, { shape: rows }, { shape: rows }], attrs);
    return {
      out: y,
      saved: [xc, mean, rstd, ...params],
      backward: (g) => {
        const gc = contiguous(g);
        const outs = [{ shape: x.shape }, ...params.map(() => ({ shape: [C] }))];
        return runKernel('layerNorm backward', 'layerNormBackward', [gc, xc, mean, rstd, ...params.slice(0, 1)], outs, attrs);
      },
    };
  },
);

/** Options of dropout. */
export interface DropoutOptions {
  /** Dropout is the identity unless training (as nn.Module's train mode). Default true. */
  training?: boolean;
  generator?: Generator;
}

/** Zeroes each element with probability p and scales the rest by 1/(1−p); the mask comes from a seeded generator. */
export const dropout = defineOp(
  {
    name: 'dropout', doc: 'inverted dropout with a seeded mask', kernels: ['ge', 'mul'], differentiable: true,
    domain: (d, dropout) => {
      const shape = d.shape(0, 3);
      const p = d.pick([0, 0.25, 0.5]);
      const seed = d.int(0, 1000);
      // A fresh generator with the same seed per call, so every finite-difference evaluation sees the same mask.
      return { inputs: [d.tensor(shape, -3, 3)], run: ([x]) => dropout(x, p, { generator: new Generator(seed) }) };
    },
  },
  (x: Tensor, p: number, options: DropoutOptions = {}) => {
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
    if (options.training === false || p === 0) return { out: view(x, x.shape, x.strides, x.offset), backward: (g) => [g] };
    const u = rand(x.shape, { dtype: x.dtype, backend: x.backend, generator: options.generator });
    const keepMask = ge(u, p);
    u.dispose();
    const mask = mul(keepMask, p === 1 ? 0 : 1 / (1 - p));
    keepMask.dispose();
    return { out: mul(x, mask), saved: [mask], backward: (g) => [mul(g, mask)] };
  },
);
