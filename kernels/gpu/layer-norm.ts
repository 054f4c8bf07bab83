// Layer norm over the last axis on the GPU (the formulas of kernels/cpu/layer-norm.ts), as small
// kernels with O(C) or O(rows) work per thread:
//   forward:  mean[r] = Σ_j x/C;  rstd[r] = 1/√(Σ_j (x − mean)²/C + eps);  y = x̂·w + b,  x̂ = (x − mean)·rstd
//   backward: dx̂ = dy·w;  m1[r] = mean_j dx̂;  m2[r] = mean_j dx̂·x̂;  dx = rstd·(dx̂ − m1 − x̂·m2)
//             dw[j] = Σ_r dy·x̂;  db[j] = Σ_r dy
// x, dy are (rows, C) contiguous from their offsets; w, b are (C) from theirs; mean, rstd are fresh (rows).

import { divmod, flatKernel, type GPU, type IKernelRunShortcut } from './source.ts';

/** Rows, width, eps and the offsets of x, weight, bias and the incoming gradient. */
export interface LayerNormSpec { rows: number; C: number; eps: number; xOffset: number; wOffset: number; bOffset: number; gOffset: number }

const xhat = (s: LayerNormSpec, r: string, j: string) => `(x[${s.xOffset} + ${r} * ${s.C} + ${j}] - mean[${r}]) * rstd[${r}]`;

/** Kernel sources of the layer-norm passes (row statistics, output, and the backward's pieces), by name. */
export const layerNormSources = {
  mean: (s: LayerNormSpec) => `function (x) {
  const start = ${s.xOffset} + this.thread.x * ${s.C};
  let acc = 0;
  for (let j = 0; j < ${s.C}; j++) { acc += x[start + j]; }
  return acc / ${s.C};
}`,
  rstd: (s: LayerNormSpec) => `function (x, mean) {
  const r = this.thread.x;
  const start = ${s.xOffset} + r * ${s.C};
  const m = mean[r];
  let acc = 0;
  for (let j = 0; j < ${s.C}; j++) { const d = x[start + j] - m; acc += d * d; }
  return 1 / Math.sqrt(acc / ${s.C} + ${s.eps});
}`,
  /** affine: (x, mean, rstd, w, b); plain: (x, mean, rstd). */
  y: (s: LayerNormSpec, affine: boolean) => `function (x, mean, rstd${affine ? ', w, b' : ''}) {
  const i = this.thread.x;
  ${divmod('i', s.C, 'r', 'j')}
  const v = ${xhat(s, 'r', 'j')};
  return ${affine ? `v * w[${s.wOffset} + j] + b[${s.bOffset} + j]` : 'v'};
}`,
  /** m1 (withXhat false) or m2 (true) per row; args (dy, x, mean, rstd[, w]). */
  rowMean: (s: LayerNormSpec, affine: boolean, withXhat: boolean) => `function (dy, x, mean, rstd${affine ? ', w' : ''}) {
  const r = this.thread.x;
  let acc = 0;
  for (let j = 0; j < ${s.C}; j++) {
    const dxhat = dy[${s.gOffset} + r * ${s.C} + j]${affine ? ` * w[${s.wOffset} + j]` : ''};
    acc += dxhat${withXhat ? ` * ${xhat(s, 'r', 'j')}` : ''};
  }
  return acc / ${s.C};
}`,
  dx: (s: LayerNormSpec, affine: boolean) => `function (dy, x, mean, rstd, m1, m2${affine ? ', w' : ''}) {
  const i = this.thread.x;
  ${divmod('i', s.C, 'r', 'j')}
  const dxhat = dy[${s.gOffset} + i]${affine ? ` * w[${s.wOffset} + j]` : ''};
  return rstd[r] * (dxhat - m1[r] - ${xhat(s, 'r', 'j')} * m2[r]);
}`,
  /** dw (withXhat true) or db (false): a sum over rows per channel. */
  columnSum: (s: LayerNormSpec, withXhat: boolean) => `function (dy, x, mean, rstd) {
  const j = this.thread.x;
  let acc = 0;
  for (let r = 0; r < ${s.rows}; r++) {
    acc += dy[${s.gOffset} + r * ${s.C} + j]${withXhat ? ` * ${xhat(s, 'r', 'j')}` : ''};
  }
  return acc;
}`,
};

/** Compiles one layer-norm pass over `n` threads with loops of up to `loop` iterations. */
export function layerNormKernel(gpu: GPU, source: string, n: number, loop: number): IKernelRunShortcut {
  return flatKernel(gpu, source, Math.max(1, n), loop);
}
