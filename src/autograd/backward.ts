// Reverse-mode automatic differentiation. backward() orders the recorded graph topologically with an
// explicit stack (no recursion, so a 10,000-op chain cannot overflow the call stack), then walks it from
// the output back, calling each node's backward rule once with the sum of all gradients flowing into it
// (a tensor used twice receives both contributions before its own rule runs).
// Only leaves keep `.grad`; intermediate gradients are disposed as soon as they are consumed.

import { keep, scope } from '../backend/memory.ts';
import { inPhase, profiled } from '../backend/profile.ts';
import { runKernel } from '../ops/dispatch.ts';
import { full } from '../tensor/create.ts';
import { fmt, sameShape } from '../tensor/shape.ts';
import { Tensor, type GraphNode } from '../tensor/tensor.ts';
import { isAnomalyMode, noGrad } from './grad-mode.ts';

/** Options of backward(). */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (e.g. after zeroing grads). */
  retainGraph?: boolean;
}

/**
 * Reverse-mode autodiff from `root`: walks the graph in topological order (explicit stack), runs each
 * node's backward rule once all its consumers have contributed, and accumulates `.grad` on leaves. A non-
 * scalar root needs `seed`, the gradient of the same shape. Tensor.backward() calls this.
 */
export function backward(root: Tensor, seed?: Tensor, options: BackwardOptions = {}): void {
  root.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${fmt(root.shape)} does not require grad: no input had requiresGrad = true, or it was computed under noGrad()`);
  }
  if (!seed && root.size !== 1) {
    throw new Error(`backward: called on a non-scalar tensor of shape ${fmt(root.shape)} without a seed gradient; reduce it first (sum, mean) or pass a gradient of shape ${fmt(root.shape)}`);
  }
  if (seed && !sameShape(seed.shape, root.shape)) {
    throw new Error(`backward: seed gradient has shape ${fmt(seed.shape)} but the tensor has shape ${fmt(root.shape)}`);
  }
  inPhase('backward', () => noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, ownCopy(seed ?? null, root));
    for (const t of topologicalOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (t.gradFn) propagate(t.gradFn, g, grads, options.retainGraph ?? false);
      else profiled('(accumulate leaf grad)', () => accumulateLeaf(t, g));
    }
  }));
}

/** Tensors that require grad, each after every tensor computed from it (outputs first). */
function topologicalOrder(root: Tensor): Tensor[] {
  const postOrder: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: Array<[Tensor, number]> = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const child = inputs[top[1]++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      postOrder.push(top[0]);
    }
  }
  return postOrder.reverse();
}

function propagate(node: GraphNode, g: Tensor, grads: Map<Tensor, Tensor>, retainGraph: boolean): void {
  if (!node.backward) {
    throw new Error(`backward: the graph through op '${node.op}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call to run backward twice`);
  }
  const rule = node.backward;
  const inputGrads = profiled(node.op, () => scope(() => rule(g).map((x, i) => (x && node.inputs[i].requiresGrad ? x : null))));
  if (inputGrads.length !== node.inputs.length) {
    throw new Error(`backward of '${node.op}': returned ${inputGrads.length} gradients for ${node.inputs.length} inputs`);
  }
  const taken = new Set<Tensor>([g]);
  node.inputs.forEach((input, i) => {
    let gi = inputGrads[i];
    if (!gi) return;
    if (!sameShape(gi.shape, input.shape)) {
      throw new Error(`backward of '${node.op}': gradient for input ${i} has shape ${fmt(gi.shape)}, expected ${fmt(input.shape)}`);
    }
    if (isAnomalyMode()) checkGradFinite(node.op, i, gi);
    // A rule may return the incoming gradient itself, or one tensor for two inputs: give each its own view.
    if (taken.has(gi)) gi = new Tensor(gi.storage, gi.shape, gi.strides, gi.offset);
    taken.add(gi);
    const previous = grads.get(input);
    if (previous) {
      grads.set(input, profiled('(sum grads of reused tensor)', () => runKernel('backward (accumulate)', 'add', [previous, gi!], [{ shape: input.shape }])[0]));
      previous.dispose();
      gi.dispose();
    } else {
      grads.set(input, gi);
    }
  });
  g.dispose();
  if (!retainGraph) {
    node.backward = null;
    for (const t of node.saved) t.dispose();
  }
}

/** Adds g into leaf.grad, keeping .grad contiguous and alive beyond the caller's scope. */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  let next: Tensor;
  if (leaf.grad && !leaf.grad.isDisposed) {
    next = runKernel('backward (accumulate)', 'add', [leaf.grad, g], [{ shape: leaf.shape }])[0];
    leaf.grad.dispose();
    g.dispose();
  } else if (!g.isContiguous || g.dtype !== leaf.dtype) {
    next = runKernel('backward (accumulate)', 'copy', [g], [{ shape: leaf.shape }], {}, leaf.dtype)[0];
    g.dispose();
  } else {
    next = g;
  }
  leaf.grad = keep(next);
}

/** The seed as a tensor backward may dispose: a copy of the given one, or ones for a scalar. */
function ownCopy(seed: Tensor | null, root: Tensor): Tensor {
  if (!seed) return full(root.shape, 1, { dtype: root.dtype, backend: root.backend });
  return runKernel('backward (seed)', 'copy', [seed], [{ shape: root.shape }], {}, root.dtype)[0];
}

function checkGradFinite(op: string, index: number, grad: Tensor): void {
  const data = grad.data();
  for (let j = 0; j < data.length; j++) {
    if (!Number.isFinite(data[j])) {
      throw new Error(`anomaly: backward of '${op}' produced ${data[j]} in the gradient of input ${index} (shape ${fmt(grad.shape)}, flat index ${j})`);
    }
  }
}
