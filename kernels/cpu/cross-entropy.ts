// Fused cross-entropy over token ids: loss = mean over rows whose target ≠ ignoreIndex of
// (logsumexp(logits_row) − logits_row[target]). Its gradient is (softmax(logits) − onehot(target)) · g / count.
// Rows are (N, V) contiguous logits; targets are int32 (N). Derivation: docs/derivations/softmax-cross-entropy.md.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

const arr = (v: View) => v.storage.data as TypedArray;

function checkTarget(t: number, row: number, V: number, ignoreIndex: number): void {
  if (t !== ignoreIndex && (t < 0 || t >= V)) {
    throw new Error(`crossEntropy: target ${t} at row ${row} is outside the vocabulary [0, ${V}) (ignoreIndex is ${ignoreIndex})`);
  }
}

/** inputs: logits (N, V), targets (N); outputs: loss (scalar), lse (N); attrs: ignoreIndex. */
const crossEntropy: Kernel = ([logits, targets], [loss, lseOut], attrs) => {
  const ignoreIndex = attrs.ignoreIndex as number;
  const [N, V] = logits.shape;
  const xs = arr(logits), ts = arr(targets), lse = arr(lseOut);
  let total = 0, count = 0;
  for (let r = 0; r < N; r++) {
    const t = ts[targets.offset + r];
    checkTarget(t, r, V, ignoreIndex);
    const o = logits.offset + r * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (xs[o + j] > max) max = xs[o + j];
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(xs[o + j] - max);
    lse[r] = max + Math.log(sum);
    if (t === ignoreIndex) continue;
    total += lse[r] - xs[o + t];
    count++;
  }
  arr(loss)[loss.offset] = total / count; // 0/0 = NaN when every target is ignored, as in PyTorch
};

/** inputs: g (scalar), logits, targets, lse; outputs: dlogits. */
const crossEntropyBackward: Kernel = ([g, logits, targets, lseIn], [dlogits], attrs) => {
  const ignoreIndex = attrs.ignoreIndex as number;
  const [N, V] = logits.shape;
  const xs = arr(logits), ts = arr(targets), lse = arr(lseIn), dx = arr(dlogits);
  let count = 0;
  for (let r = 0; r < N; r++) if (ts[targets.offset + r] !== ignoreIndex) count++;
  const scale = arr(g)[g.offset] / count;
  for (let r = 0; r < N; r++) {
    const t = ts[targets.offset + r];
    const o = logits.offset + r * V, d = dlogits.offset + r * V;
    if (t === ignoreIndex) {
      dx.fill(0, d, d + V);
      continue;
    }
    const l = lse[lseIn.offset + r];
    for (let j = 0; j < V; j++) dx[d + j] = Math.exp(xs[o + j] - l) * scale;
    dx[d + t] -= scale;
  }
};

/** The kernels 'crossEntropy' and 'crossEntropyBackward', for the CPU kernel table. */
export const crossEntropyKernels = (): Record<string, Kernel> => ({ crossEntropy, crossEntropyBackward });
