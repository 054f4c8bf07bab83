// In-place update: writes source's values into target's storage (broadcasting source to target's shape).
// This is how optimizers update parameters without allocating new ones. Like PyTorch, an in-place
// write to a tensor that requires grad is only allowed with graph recording off (inside noGrad).

import { isGradEnabled } from '../autograd/grad-mode.ts';
import { broadcastShapes, fmt, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { runKernelInto } from './dispatch.ts';

/**
 * Writes `source` into `target` in place (broadcasting source); only allowed under noGrad when target
 * requires grad. Returns target.
 */
export function assign(target: Tensor, source: Tensor): Tensor {
  if (target.requiresGrad && isGradEnabled()) {
    throw new Error(`assign: target ${fmt(target.shape)} requires grad; in-place writes to it would corrupt the graph — wrap the update in noGrad()`);
  }
  if (!sameShape(broadcastShapes('assign', source.shape, target.shape), target.shape)) {
    throw new Error(`assign: source ${fmt(source.shape)} does not broadcast to the target's shape ${fmt(target.shape)}`);
  }
  runKernelInto('assign', 'copy', [source], target);
  return target;
}
