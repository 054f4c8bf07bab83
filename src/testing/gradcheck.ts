// gradcheck: compares the gradients autograd computes with central finite differences, in float64,
// with PyTorch's default tolerances (torch.autograd.gradcheck: eps 1e-6, atol 1e-5, rtol 1e-3).
// A non-scalar output is reduced to a scalar with fixed random weights, L = Σ w ⊙ f(x), which checks
// the vector-Jacobian product wᵀJ for one random w (any wrong Jacobian entry shows up with probability 1).

import { noGrad } from '../autograd/grad-mode.ts';
import { scope } from '../backend/memory.ts';
import { mul, sum } from '../ops/index.ts';
import { randn } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import { fmt } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Finite-difference step and tolerances (PyTorch's defaults), and the seed of the output weights. */
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random output weights w. */
  seed?: number;
}

/** What gradcheck measured (it throws when a check fails). */
export interface GradcheckResult {
  /** Largest |analytic − numeric| over every checked element. */
  maxAbsError: number;
  /** Number of input elements checked. */
  checked: number;
}

/**
 * Throws an Error describing the first mismatch (input, element, both values) if the gradient of `fn`
 * at `inputs` disagrees with finite differences. Inputs must be float64 CPU tensors with requiresGrad;
 * their `.grad` is left as it was.
 */
export function gradcheck(fn: (inputs: readonly Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 0 } = options;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64' || x.backend !== 'cpu' || !x.requiresGrad || !x.isContiguous || x.gradFn) {
      throw new Error(`gradcheck: input ${i} ${fmt(x.shape)} must be a contiguous float64 CPU leaf with requiresGrad (got ${x.dtype} on ${x.backend}, requiresGrad=${x.requiresGrad})`);
    }
  }
  // The weights w, drawn once so every evaluation of L uses the same ones.
  const probe = noGrad(() => fn(inputs));
  const weights = randn(probe.shape, { dtype: 'float64', generator: new Generator(seed) });
  probe.dispose();
  const objective = () => sum(mul(fn(inputs), weights));

  const saved = inputs.map((x) => x.grad);
  inputs.forEach((x) => (x.grad = null));
  const analytic = scope(() => {
    objective().backward();
    return inputs.map((x) => (x.grad ? x.grad.data() : new Float64Array(x.size)));
  });
  inputs.forEach((x, i) => {
    x.grad?.dispose();
    x.grad = saved[i];
  });

  let maxAbsError = 0, checked = 0;
  const evaluate = () => scope(() => noGrad(() => objective().item()));
  for (const [i, x] of inputs.entries()) {
    const data = x.storage.data as Float64Array;
    for (let j = 0; j < x.size; j++) {
      const k = x.offset + j;
      const original = data[k];
      data[k] = original + eps;
      const plus = evaluate();
      data[k] = original - eps;
      const minus = evaluate();
      data[k] = original;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[i][j];
      const error = Math.abs(a - numeric);
      maxAbsError = Math.max(maxAbsError, Number.isNaN(error) ? Infinity : error);
      checked++;
      if (!(error <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheck: gradient of input ${i} ${fmt(x.shape)} at flat index ${j} is ${a} by autograd but ${numeric} by finite differences ` +
            `(|diff| ${error.toExponential(2)} > atol ${atol} + rtol ${rtol}·|numeric|; eps ${eps})`,
        );
      }
    }
  }
  weights.dispose();
  return { maxAbsError, checked };
}
