// Gradient accumulation: one optimizer step from n micro-batches, as the i3 scripts do it (spec §3.8,
// §4.6): each micro-batch's mean loss is divided by n before backward, so the gradients that add up
// in .grad equal the gradient of the mean loss over all n micro-batches — the same step a batch
// n times larger would give, in the memory of one micro-batch. The n losses are read back together
// at the end (one wait for the device, not n), synchronously or, where reads are asynchronous (the gpu
// backend on WebGPU), with accumulateGradientsAsync.

import { keep, scope } from '../backend/memory.ts';
import { div } from '../ops/elementwise.ts';
import { detach } from '../ops/view.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Runs every micro-batch's forward and backward; returns their losses (detached, owned by the caller). */
function backwardMicroBatches(n: number, loss: (micro: number) => Tensor): Tensor[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`accumulateGradients: n must be a positive integer, got ${n}`);
  const losses: Tensor[] = [];
  try {
    for (let i = 0; i < n; i++) {
      // Each micro-batch's graph and temporaries are freed before the next one starts.
      losses.push(keep(scope(() => {
        const l = loss(i);
        div(l, n).backward();
        return detach(l);
      })));
    }
  } catch (err) {
    for (const l of losses) l.dispose();
    throw err;
  }
  return losses;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Runs `loss(i)` for i = 0 … n−1, back-propagating loss/n each time (gradients add into .grad),
 * and returns the mean of the n losses.
 */
export function accumulateGradients(n: number, loss: (micro: number) => Tensor): number {
  const losses = backwardMicroBatches(n, loss);
  try {
    return mean(losses.map((l) => l.item()));
  } finally {
    for (const l of losses) l.dispose();
  }
}

/** accumulateGradients for every backend, reading the losses with Tensor.itemAsync. */
export async function accumulateGradientsAsync(n: number, loss: (micro: number) => Tensor): Promise<number> {
  const losses = backwardMicroBatches(n, loss);
  try {
    return mean(await Promise.all(losses.map((l) => l.itemAsync())));
  } finally {
    for (const l of losses) l.dispose();
  }
}
