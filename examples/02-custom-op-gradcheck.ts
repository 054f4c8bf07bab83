// 02 — Define your own op with a hand-written backward and property-test its gradient.
// `defineOp` puts it in the op table (so `npx i3 ops` lists it); `propertyGradcheck` draws random
// shapes and values from its domain and compares autograd with float64 finite differences.
// Run: npx tsx examples/02-custom-op-gradcheck.ts

import * as I from '../src/index.ts';
import { propertyGradcheck } from '../src/testing/property.ts';

// logCosh(x) = log(cosh(x)), a smooth L1-like loss. Written with existing ops for the forward,
// d/dx log cosh x = tanh x for the backward.
const logCosh = I.defineOp(
  {
    name: 'logCosh', doc: 'log(cosh(x))', kernels: ['softplus', 'tanh'], differentiable: true,
    // log cosh x = |x| + log(1 + e^{-2|x|}) − log 2 = softplus(2x) − x − log 2, which never overflows
    domain: (d, op) => ({ inputs: [d.tensor(d.shape(0, 3), -5, 5)], run: ([x]) => op(x) }),
  },
  (x: I.Tensor) => ({
    out: I.sub(I.sub(I.softplus(I.mul(x, 2)), x), Math.LN2),
    backward: (g) => [I.mul(g, I.tanh(x))],
  }),
);

propertyGradcheck(I.OP_TABLE.get('logCosh')!.domain!, { numRuns: 50 });
console.log('logCosh: gradient matches finite differences on 50 random cases');
console.log('logCosh([-3, 0, 3]) =', logCosh(I.tensor([-3, 0, 3], { dtype: 'float64' })).toArray());

// A deliberately wrong backward (forgot the factor 2 of d/dx x²) is caught, shrunk to a minimal case,
// and reported with the seed and path to replay it.
const square = I.defineOp(
  {
    name: 'squareWrong', doc: 'x² with a broken gradient', kernels: ['mul'], differentiable: true,
    domain: (d, op) => ({ inputs: [d.tensor(d.shape(0, 3), -3, 3)], run: ([x]) => op(x) }),
  },
  (x: I.Tensor) => ({ out: I.mul(x, x), backward: (g) => [I.mul(g, x)] }),
);
void square;
try {
  propertyGradcheck(I.OP_TABLE.get('squareWrong')!.domain!, { numRuns: 20 });
  console.log('unexpected: the broken gradient was not caught');
  process.exitCode = 1;
} catch (err) {
  // fast-check's message holds the seed, the shrunk counterexample (the tape of choices) and the path;
  // the gradcheck error that made the case fail is its cause.
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  console.log('\nsquareWrong: caught as expected.');
  console.log('  ' + message.split('\n').filter((l) => /seed|Counterexample/.test(l)).join('\n  '));
  console.log('  ' + cause);
}
