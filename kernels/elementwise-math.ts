// The math of every elementwise op, written once as JavaScript expressions. Each backend compiles
// these strings into its own loops (CPU: kernels/cpu/elementwise.ts; a GPU backend: a gpu.js kernel),
// so adding an op here gives it a kernel everywhere. Variables:
//   unary:  x (input), y (the forward output, for derivatives that are cheaper in terms of it)
//   binary: a, b
// `derivative` is dy/dx; the backward kernel computes g * derivative.

/** A unary op's math: its forward expression in x, and its derivative in x and y. */
export interface UnaryMath { forward: string; derivative: string }

/** The unary ops' math, by op name. */
export const UNARY_MATH = {
  neg: { forward: '-x', derivative: '-1' },
  exp: { forward: 'Math.exp(x)', derivative: 'y' },
  log: { forward: 'Math.log(x)', derivative: '1 / x' },
  sqrt: { forward: 'Math.sqrt(x)', derivative: '0.5 / y' },
  tanh: { forward: 'Math.tanh(x)', derivative: '1 - y * y' },
  sigmoid: { forward: '1 / (1 + Math.exp(-x))', derivative: 'y * (1 - y)' },
  // `x < 0 ? 0 : x` rather than `x > 0 ? x : 0` so that NaN propagates instead of becoming 0.
  relu: { forward: 'x < 0 ? 0 : x', derivative: 'x > 0 ? 1 : 0' },
  // Exact GELU: x·Φ(x) with Φ the standard normal CDF; d/dx = Φ(x) + x·φ(x).
  gelu: {
    forward: '0.5 * x * (1 + erf(x * 0.7071067811865476))',
    derivative: '0.5 * (1 + erf(x * 0.7071067811865476)) + x * 0.3989422804014327 * Math.exp(-0.5 * x * x)',
  },
  // SiLU (swish): x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))).
  silu: {
    forward: 'x / (1 + Math.exp(-x))',
    derivative: '(1 + x * (1 - 1 / (1 + Math.exp(-x)))) / (1 + Math.exp(-x))',
  },
  // softplus = log(1 + eˣ), written as max(x, 0) + log1p(e^{-|x|}) so it never overflows.
  softplus: { forward: 'Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))', derivative: '1 / (1 + Math.exp(-x))' },
  erf: { forward: 'erf(x)', derivative: '1.1283791670955126 * Math.exp(-x * x)' },
} satisfies Record<string, UnaryMath>;

/** The name of a unary elementwise op. */
export type UnaryName = keyof typeof UNARY_MATH;

/** The binary ops' forward expressions in a and b, by op name. */
export const BINARY_MATH = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'Math.pow(a, b)',
  // Written so that a NaN in either input comes out as NaN.
  maximum: 'a > b || a !== a ? a : b',
  minimum: 'a < b || a !== a ? a : b',
  // Comparisons give 1 or 0 in the inputs' dtype (masks for `where`); they have no gradient.
  eq: 'a === b ? 1 : 0',
  ne: 'a !== b ? 1 : 0',
  lt: 'a < b ? 1 : 0',
  le: 'a <= b ? 1 : 0',
  gt: 'a > b ? 1 : 0',
  ge: 'a >= b ? 1 : 0',
} satisfies Record<string, string>;

/** The name of a binary elementwise op. */
export type BinaryName = keyof typeof BINARY_MATH;
