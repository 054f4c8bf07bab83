// How an op reaches a kernel: find the inputs' backend, look the kernel up by name, allocate the
// outputs, run. Ops never name a backend; a missing kernel is an error naming the op, kernel, backend
// and dtype, never a silent fallback.

import { getBackend, type Backend } from '../backend/backend.ts';
import type { DType } from '../tensor/dtype.ts';
import { fmt, sizeOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';

/** The shape (and dtype, default the inputs') of one kernel output to allocate. */
export interface OutputSpec { shape: Shape; dtype?: DType }

/**
 * The backend all `inputs` live on (the default one when there are none); mixed backends are an error
 * naming `op`.
 */
export function backendOf(op: string, inputs: readonly Tensor[]): Backend {
  if (inputs.length === 0) return getBackend();
  const backend = inputs[0].storage.backend;
  for (const t of inputs) {
    t.assertAlive(op);
    if (t.storage.backend !== backend) {
      throw new Error(`${op}: inputs live on different backends (${inputs.map((x) => x.backend).join(', ')}); move them with toBackend() first`);
    }
  }
  return backend;
}

/** Runs kernel `name` on `inputs`, writing into freshly allocated outputs (dtype defaults to inputs[0]'s). */
export function runKernel(
  op: string, name: string, inputs: readonly Tensor[], outputs: readonly OutputSpec[],
  attrs: Record<string, unknown> = {}, dtype: DType = inputs[0].dtype,
): Tensor[] {
  const backend = backendOf(op, inputs);
  const kernel = backend.kernel(name, dtype);
  if (!kernel) {
    throw new Error(`${op}: kernel '${name}' is not implemented for backend '${backend.name}' with dtype ${dtype} (see the coverage matrix: npx i3 ops)`);
  }
  const outs = outputs.map((o) => new Tensor(backend.allocate(o.dtype ?? dtype, sizeOf(o.shape)), o.shape));
  kernel(inputs, outs, attrs);
  return outs;
}

/** A fresh tensor on `like`'s backend (contents unspecified), for ops that assemble their output piece by piece. */
export function allocateLike(op: string, like: Tensor, shape: Shape, dtype: DType = like.dtype): Tensor {
  const backend = backendOf(op, [like]);
  return new Tensor(backend.allocate(dtype, sizeOf(shape)), shape);
}

/** Runs a kernel that writes into an existing view (used for in-place updates and assembling outputs). */
export function runKernelInto(op: string, name: string, inputs: readonly Tensor[], target: Tensor, attrs: Record<string, unknown> = {}): void {
  const backend = backendOf(op, [target, ...inputs]);
  const kernel = backend.kernel(name, target.dtype);
  if (!kernel) throw new Error(`${op}: kernel '${name}' is not implemented for backend '${backend.name}' with dtype ${target.dtype}`);
  kernel(inputs, [target], attrs);
}

/** Throws, naming `op` and the shape, unless `t` has one of the `allowed` dtypes. */
export function expectDType(op: string, t: Tensor, allowed: readonly DType[], what = 'input'): void {
  if (!allowed.includes(t.dtype)) {
    throw new Error(`${op}: ${what} has dtype ${t.dtype} (shape ${fmt(t.shape)}); expected ${allowed.join(' or ')}`);
  }
}

/** Throws, naming `op`, unless all `tensors` have the same dtype. */
export function expectSameDType(op: string, tensors: readonly Tensor[]): void {
  const d = tensors[0].dtype;
  if (tensors.some((t) => t.dtype !== d)) {
    throw new Error(`${op}: inputs have different dtypes (${tensors.map((t) => `${t.dtype} ${fmt(t.shape)}`).join(', ')}); cast one with toDType() first`);
  }
}

/**
 * Frees a temporary of a composite op unless the autograd graph still needs it (it requires grad,
 * so backward will pass through it); in that case the enclosing scope frees it later.
 */
export function disposeUnlessInGraph(t: Tensor): void {
  if (!t.requiresGrad) t.dispose();
}
