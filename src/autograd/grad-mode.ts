// Whether ops record the graph, and anomaly mode (find the first op that produced NaN or Infinity).

let gradEnabled = true;
let anomalyEnabled = false;

/** True unless inside noGrad(): ops record the graph only when this is true. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets whether ops record the graph and returns the previous setting (for hot paths that cannot
 *  afford noGrad's closure: restore it in a finally). */
export function setGradEnabled(on: boolean): boolean {
  const before = gradEnabled;
  gradEnabled = on;
  return before;
}

/** Runs fn without recording the graph: for evaluation, optimizer updates and backward rules. */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** True inside withAnomalyMode(): every op output and gradient is checked for NaN and Infinity. */
export function isAnomalyMode(): boolean {
  return anomalyEnabled;
}

/**
 * With anomaly mode on, every op checks its output (and every backward rule its gradients) and throws,
 * naming the op, as soon as a NaN or Infinity appears from finite inputs. It reads every result back,
 * so it is for debugging only.
 */
export function setAnomalyMode(on: boolean): void {
  anomalyEnabled = on;
}

/**
 * Runs `fn` with anomaly mode on: the first op (or backward rule) producing NaN or Infinity throws an
 * error naming it.
 */
export function withAnomalyMode<T>(fn: () => T): T {
  const before = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = before;
  }
}
