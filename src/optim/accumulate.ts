// Gradient accumulation: one optimizer step from n micro-batches, as the i3 scripts do it (spec §3.8,
// §4.6): each micro-batch's mean loss is divided by n before backward, so the gradients that add up
// in .grad equal the gradient of the mean loss over all n micro-batches — the same step a batch
// n times larger would give, in the memory of one micro-batch.

import { scope } from '../backend/memory.ts';
import { div } from '../ops/elementwise.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Runs `loss(i)` for i = 0 … n−1, back-propagating loss/n each time (gradients add into .grad),
 * and returns the mean of the n losses. Each micro-batch's graph and temporaries are freed before
 * the next one starts.
 */
export function accumulateGradients(n: number, loss: (micro: number) => Tensor): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`accumulateGradients: n must be a positive integer, got ${n}`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += scope(() => {
      const l = loss(i);
      div(l, n).backward();
      return l.item();
    });
  }
  return total / n;
}
