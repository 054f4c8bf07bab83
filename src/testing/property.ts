// Property-testing an op's gradient over its whole domain: fast-check draws cases from the op's
// `domain` (through a tape of choices, see draw.ts), gradcheck compares autograd with finite
// differences, and a failure shrinks to a minimal case whose seed and path fast-check prints for
// replay (pass them back as fc.assert's { seed, path }).

import fc from 'fast-check';
import { scope } from '../backend/memory.ts';
import type { OpCase } from '../ops/op.ts';
import type { Draw } from '../ops/draw.ts';
import { tapeArbitrary, tapeDraw } from './draw.ts';
import { gradcheck, type GradcheckOptions } from './gradcheck.ts';

/** gradcheck's options plus the number of cases and fast-check's seed. */
export interface PropertyOptions extends GradcheckOptions {
  numRuns?: number;
  /** fast-check seed; fixed by default so CI is deterministic (set I3_SEED to explore). */
  fcSeed?: number;
}

/** fast-check's seed: I3_SEED from the environment, else 42. */
export const defaultSeed = (): number => Number(process.env.I3_SEED ?? 42);

/** Runs `check` on many cases drawn from `domain`; the tensors a case creates are disposed after it (scope). */
export function forAllCases(domain: (d: Draw) => OpCase, check: (c: OpCase) => void, options: PropertyOptions = {}): void {
  fc.assert(
    fc.property(tapeArbitrary(), (tape) => scope(() => check(domain(tapeDraw(tape))))),
    { numRuns: options.numRuns ?? 25, seed: options.fcSeed ?? defaultSeed() },
  );
}

/** Property: the op's gradient matches float64 finite differences on every drawn case. */
export function propertyGradcheck(domain: (d: Draw) => OpCase, options: PropertyOptions = {}): void {
  forAllCases(domain, (c) => void gradcheck(c.run, c.inputs, options), options);
}
