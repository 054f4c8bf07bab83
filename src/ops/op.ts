// THE OP TABLE. Every op is declared once with `defineOp`: its name, the kernels it dispatches to,
// its forward (which returns the backward rule as a closure next to it, micrograd-style), and the
// input domain its property test draws from. The coverage matrix (`npx i3 ops`) and the gradient
// property tests (test/ops/gradients.test.ts) are both loops over this table.

import { isAnomalyMode, isGradEnabled, setGradEnabled } from '../autograd/grad-mode.ts';
import { activeProfiler } from '../backend/profile.ts';
import { fmt } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Draw } from './draw.ts';

/** Maps the gradient of the output to gradients of the tensor inputs (null: no gradient). */
export type Backward = (grad: Tensor) => ReadonlyArray<Tensor | null>;

/** What an op's forward returns: its output, its backward rule, and the tensors that rule needs. */
export interface Forward {
  out: Tensor;
  /** Omitted for ops with no gradient (comparisons, integer ops): their output never requires grad. */
  backward?: Backward;
  /** Temporaries only the backward rule needs; disposed when the graph node is released. */
  saved?: Tensor[];
}

/** A property-test case: differentiable float64 leaves, and how to apply the op to them. */
export interface OpCase {
  inputs: Tensor[];
  run(inputs: readonly Tensor[]): Tensor;
}

/**
 * An op's declaration: name, doc, kernels, whether it has a gradient, and the domain its property test
 * draws from.
 */
export interface OpSpec {
  name: string;
  /** Kernel names this op (and its backward) dispatches to; the coverage matrix checks each backend has them. */
  kernels: readonly string[];
  /** Whether the op has a backward rule. */
  differentiable: boolean;
  /** How the property tests draw valid inputs (shapes, value ranges away from kinks and poles); `op` is the op itself. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  domain?: (draw: Draw, op: (...args: any[]) => Tensor) => OpCase;
  /** One line for the coverage matrix and the API reference. */
  doc: string;
}

/** A table entry: the spec with its domain already bound to the op. */
export interface OpEntry extends Omit<OpSpec, 'domain'> {
  domain?: (draw: Draw) => OpCase;
}

/** Every op declared with defineOp, by name: the coverage matrix and the gradient tests loop over it. */
export const OP_TABLE = new Map<string, OpEntry>();

/**
 * Declares an op. `forward` runs with graph recording off (ops used inside it are implementation
 * detail); the wrapper records one graph node when some tensor argument requires grad.
 */
export function defineOp<A extends unknown[]>(spec: OpSpec, forward: (...args: A) => Forward): (...args: A) => Tensor {
  if (OP_TABLE.has(spec.name)) throw new Error(`defineOp: op '${spec.name}' is defined twice`);
  // The forward runs with recording off; set and restored directly rather than through noGrad's
  // closure, as this runs for every op call (per-op overhead is what small tensors pay).
  const run = (args: A): Forward => {
    const recording = setGradEnabled(false);
    try {
      return forward(...args);
    } finally {
      setGradEnabled(recording);
    }
  };
  const op = (...args: A): Tensor => {
    const inputs = tensorArgs(args);
    let anyRequiresGrad = false;
    for (const t of inputs) {
      t.assertAlive(spec.name);
      anyRequiresGrad ||= t.requiresGrad;
    }
    const { out, backward, saved } = activeProfiler ? activeProfiler.time(spec.name, () => run(args)) : run(args);
    if (isAnomalyMode()) checkFinite(spec.name, out, inputs);
    if (backward && anyRequiresGrad && isGradEnabled()) {
      out.requiresGrad = true;
      out.gradFn = { op: spec.name, inputs, backward, saved: saved ?? [] };
    } else {
      for (const t of saved ?? []) t.dispose(); // nothing will ever run this backward
    }
    return out;
  };
  Object.defineProperty(op, 'name', { value: spec.name });
  OP_TABLE.set(spec.name, { ...spec, domain: spec.domain && ((draw: Draw) => spec.domain!(draw, op)) });
  return op;
}

/** The tensors among an op's arguments, in order (arrays of tensors, as for concat, are flattened). */
function tensorArgs(args: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) out.push(a);
    else if (Array.isArray(a)) for (const x of a) if (x instanceof Tensor) out.push(x);
  }
  return out;
}

/** Anomaly mode: throws if `out` holds NaN/Infinity although every input was finite. */
export function checkFinite(what: string, out: Tensor, inputs: readonly Tensor[]): void {
  const bad = firstNonFinite(out);
  if (bad < 0 || inputs.some((t) => firstNonFinite(t) >= 0)) return;
  const value = out.data()[bad];
  throw new Error(
    `anomaly: ${what} produced ${value} at flat index ${bad} of its output ${fmt(out.shape)} from finite inputs ` +
      `(${inputs.map((t) => `${t.dtype} ${fmt(t.shape)}`).join(', ')})`,
  );
}

function firstNonFinite(t: Tensor): number {
  if (t.dtype === 'int32') return -1;
  const data = t.data();
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
