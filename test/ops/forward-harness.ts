// How forward.test.ts runs and checks its cases: forAllDraws runs a body on fixed-seed random tapes,
// a Case says how a drawn op call runs in a dtype and what it should give, and compare checks a result
// against a float64 reference within a tolerance. The cases are in forward-cases*.ts, their inputs in
// forward-inputs.ts.
import fc from 'fast-check';
import { Tensor, scope, noGrad, type Draw, type DType, type FloatDType } from '../../src/index.ts';
import { tapeDraw } from '../../src/testing/draw.ts';
import { defaultSeed } from '../../src/testing/property.ts';
import * as R from './reference.ts';
import { ref, type Ref } from './reference.ts';
import { inputStorage } from './forward-inputs.ts';

// ---- running cases ----------------------------------------------------------------------------

const RUNS = 25;

/**
 * Runs `body` on `numRuns` cases. Each case reads its choices from a tape of random naturals (as the
 * gradient property tests do, src/testing/draw.ts); a failing case shrinks by shortening the tape and
 * lowering its numbers, i.e. toward the first alternative of every choice. The tape is long enough
 * that a case never runs out of it before shrinking. Tensors created by a case are disposed after it.
 */
export function forAllDraws(body: (d: Draw) => void, numRuns = RUNS): void {
  // Unbiased: fast-check's default bias toward 0 and the maximum would skew every `v % n` choice.
  const tape = fc.noBias(fc.array(fc.nat({ max: 0x7fffffff }), { minLength: 300, maxLength: 600 }));
  fc.assert(
    fc.property(tape, (choices) => {
      inputStorage.length = 0;
      noGrad(() => scope(() => body(tapeDraw(choices))));
    }),
    { numRuns, seed: defaultSeed(), includeErrorInReport: true },
  );
}

export interface Tol { abs: number; rel: number }
export const F64: Tol = { abs: 1e-12, rel: 1e-10 };
/** For results that are sums whose order differs between the engine and the reference. */
export const F64_SUMS: Tol = { abs: 1e-12, rel: 1e-9 };
export const F32: Tol = { abs: 1e-4, rel: 1e-4 };
export const EXACT: Tol = { abs: 0, rel: 0 };

/** A drawn case: how to run the op in a dtype, and what it should give. */
export interface Case {
  /** The call, for failure messages. */
  desc: string;
  run(dtype: FloatDType): Tensor;
  /** The expected float64 result (absent for dropout, which has `check` instead). */
  reference?: () => Ref;
  /** An extra or replacement check of the float64 result; returns a problem or null. */
  check?: (out: Tensor) => string | null;
  /** The result's dtype when it does not follow the run's dtype (casts, int32 comparisons). */
  outDType?: DType;
  tol?: Tol;
  tol32?: Tol;
}

export type CaseFn = (d: Draw) => Case;

/** null when `got` matches `want` (same shape; each element within abs + rel·|want|, NaN matching NaN). */
export function compare(got: Tensor, want: Ref, tol: Tol): string | null {
  if (got.shape.join() !== want.shape.join()) return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  const data = got.data();
  for (let i = 0; i < data.length; i++) {
    const g = data[i], w = want.data[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w))) {
      return `element ${i} (index [${R.unravel(i, want.shape).join(', ')}]) is ${g}, expected ${w} (diff ${Math.abs(g - w)})`;
    }
  }
  return null;
}

export const asRef = (x: Tensor): Ref => ref(x.shape, x.data());
