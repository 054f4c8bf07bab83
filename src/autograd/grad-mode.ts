// Whether ops record the graph, and anomaly mode (find the first op that produced NaN or Infinity).

let gradEnabled = true;
let anomalyEnabled = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
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

export function withAnomalyMode<T>(fn: () => T): T {
  const before = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = before;
  }
}
