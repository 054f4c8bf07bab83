// Module: a named tree of parameters, as in PyTorch's nn.Module. Names join with '.', so a model's
// parameter names are exactly the keys of the original PyTorch state dict ('layers.3.attn.qkv.weight'),
// and checkpoints map one to one.

import { noGrad } from '../autograd/grad-mode.ts';
import { keep } from '../backend/memory.ts';
import { assign } from '../ops/assign.ts';
import { toDType } from '../ops/view.ts';
import { fmt, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DType } from '../tensor/dtype.ts';
import type { Generator } from '../tensor/random.ts';

/** How a module creates its parameters: dtype, seeded generator, and whether to draw random inits. */
export interface InitOptions {
  dtype?: DType;
  generator?: Generator;
  /** false: all parameters start at 0 (fast; for loading a checkpoint or counting parameters). */
  randomInit?: boolean;
}

/** A layer: named parameters and child modules, with PyTorch's state-dict names, train/eval mode and dispose. */
export class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter (it requires grad and outlives every scope). */
  protected param(name: string, value: Tensor): Tensor {
    value.requiresGrad = true;
    this.ownParams.set(name, keep(value));
    return value;
  }

  /** Registers a child module under `name` (its parameters become 'name.…'). */
  protected child<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Every parameter with its full dotted name, in registration order. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, p] of this.ownParams) out.push([prefix + name, p]);
    for (const [name, m] of this.children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Training mode (affects dropout-like behaviour); returns this. */
  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameter name → tensor (shared, not copied). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values into the parameters. Every parameter must be present with its exact shape; extra
   * keys are an error too, unless `strict` is false.
   */
  loadStateDict(values: ReadonlyMap<string, Tensor>, { strict = true } = {}): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !values.has(k));
    const unexpected = [...values.keys()].filter((k) => !own.has(k));
    if (missing.length > 0 || (strict && unexpected.length > 0)) {
      throw new Error(`loadStateDict: missing keys [${missing.join(', ')}]; unexpected keys [${unexpected.join(', ')}]`);
    }
    for (const [name, p] of own) {
      const v = values.get(name)!;
      if (!sameShape(v.shape, p.shape)) throw new Error(`loadStateDict: '${name}' has shape ${fmt(v.shape)} in the checkpoint but ${fmt(p.shape)} in the model`);
      noGrad(() => assign(p, v.dtype === p.dtype ? v : toDType(v, p.dtype)));
    }
  }

  /** A table of parameter names, shapes and counts, like the model card's. */
  summary(): string {
    const rows = this.namedParameters().map(([n, p]) => [n, fmt(p.shape), p.size.toLocaleString('en-US')]);
    const width = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i], c.length)), [4, 5, 10]);
    const line = (r: string[]) => `${r[0].padEnd(width[0])}  ${r[1].padEnd(width[1])}  ${r[2].padStart(width[2])}`;
    return [line(['name', 'shape', 'parameters']), ...rows.map(line), line(['total', '', this.numParameters().toLocaleString('en-US')])].join('\n');
  }

  /** Frees every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
  }
}
