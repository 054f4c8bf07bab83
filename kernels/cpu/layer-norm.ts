// Fused layer norm over the last axis, forward and backward together (llm.c's layernorm_forward /
// layernorm_backward). x is contiguous (rows, C); weight and bias are (C) or absent.
//   forward:  mean = Σx/C,  rstd = 1/√(Σ(x-mean)²/C + eps),  x̂ = (x-mean)·rstd,  y = x̂·w + b
//   backward: dx̂ = dy·w;  dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂·x̂));  dw = Σ_rows dy·x̂;  db = Σ_rows dy
// Derivation: docs/derivations/layer-norm.md.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

const arr = (v: View) => v.storage.data as TypedArray;

/** inputs: x, [weight, bias]; outputs: y, mean (rows), rstd (rows); attrs: eps, affine. */
const layerNorm: Kernel = (inputs, [y, meanOut, rstdOut], attrs) => {
  const [x, w, b] = inputs;
  const eps = attrs.eps as number;
  const C = x.shape[x.shape.length - 1];
  const rows = meanOut.shape.reduce((p, q) => p * q, 1);
  const xs = arr(x), ys = arr(y), ms = arr(meanOut), rs = arr(rstdOut);
  const ws = w ? arr(w) : null, bs = b ? arr(b) : null;
  for (let r = 0; r < rows; r++) {
    const o = x.offset + r * C, p = y.offset + r * C;
    let mean = 0;
    for (let j = 0; j < C; j++) mean += xs[o + j];
    mean /= C;
    let variance = 0;
    for (let j = 0; j < C; j++) variance += (xs[o + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(variance / C + eps);
    for (let j = 0; j < C; j++) {
      const xhat = (xs[o + j] - mean) * rstd;
      ys[p + j] = ws && bs ? xhat * ws[w!.offset + j] + bs[b!.offset + j] : xhat;
    }
    ms[meanOut.offset + r] = mean;
    rs[rstdOut.offset + r] = rstd;
  }
};

/** inputs: dy, x, mean, rstd, [weight]; outputs: dx, [dweight, dbias]. */
const layerNormBackward: Kernel = (inputs, outputs) => {
  const [dy, x, meanIn, rstdIn, w] = inputs;
  const [dx, dw, db] = outputs;
  const C = x.shape[x.shape.length - 1];
  const rows = meanIn.shape.reduce((p, q) => p * q, 1);
  const dys = arr(dy), xs = arr(x), ms = arr(meanIn), rs = arr(rstdIn), dxs = arr(dx);
  const ws = w ? arr(w) : null;
  const dwAcc = dw ? new Float64Array(C) : null, dbAcc = db ? new Float64Array(C) : null;
  for (let r = 0; r < rows; r++) {
    const o = x.offset + r * C, g = dy.offset + r * C, q = dx.offset + r * C;
    const mean = ms[meanIn.offset + r], rstd = rs[rstdIn.offset + r];
    let meanDxhat = 0, meanDxhatXhat = 0;
    for (let j = 0; j < C; j++) {
      const xhat = (xs[o + j] - mean) * rstd;
      const dxhat = ws ? dys[g + j] * ws[w!.offset + j] : dys[g + j];
      meanDxhat += dxhat;
      meanDxhatXhat += dxhat * xhat;
      if (dwAcc && dbAcc) {
        dwAcc[j] += dys[g + j] * xhat;
        dbAcc[j] += dys[g + j];
      }
    }
    meanDxhat /= C;
    meanDxhatXhat /= C;
    for (let j = 0; j < C; j++) {
      const xhat = (xs[o + j] - mean) * rstd;
      const dxhat = ws ? dys[g + j] * ws[w!.offset + j] : dys[g + j];
      dxs[q + j] = rstd * (dxhat - meanDxhat - xhat * meanDxhatXhat);
    }
  }
  if (dw && db && dwAcc && dbAcc) {
    arr(dw).set(dwAcc, dw.offset);
    arr(db).set(dbAcc, db.offset);
  }
};

/** The kernels 'layerNorm' and 'layerNormBackward', for the CPU kernel table. */
export const layerNormKernels = (): Record<string, Kernel> => ({ layerNorm, layerNormBackward });
