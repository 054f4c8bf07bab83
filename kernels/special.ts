// Special functions that JavaScript's Math lacks. erf is needed by the exact GELU.
// For |x| < 2.5: erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} x (2x²)^n / (1·3·5···(2n+1))  (A&S 7.1.6; all terms
// positive, so no cancellation). For |x| ≥ 2.5: erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
// (A&S 7.1.14), evaluated bottom-up. Both reach ~1e-16 relative accuracy, i.e. full float64.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** The error function erf(x) to full float64 accuracy (series below 2.5, continued fraction above). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = 2 * ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 0; n < 60 && term > 1e-17 * sum; n++) {
      term *= x2 / (2 * n + 3);
      sum += term;
    }
    const r = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1; // erfc(6) ≈ 2e-17, below float64 resolution near 1
  let fraction = ax;
  for (let n = 60; n >= 1; n--) fraction = ax + n / 2 / fraction;
  const erfc = (ONE_OVER_SQRT_PI * Math.exp(-ax * ax)) / fraction;
  return x < 0 ? erfc - 1 : 1 - erfc;
}
