// A kernel profiler: wraps every kernel of a backend with a timer for the duration of fn, and reports
// calls and milliseconds per kernel. Because ops reach kernels only through the backend's table,
// this sees all compute (e.g. the share of a training step spent in matmul).

import type { Backend, Kernel } from './backend.ts';

export interface KernelProfile {
  kernel: string;
  calls: number;
  ms: number;
}

interface Registrable extends Backend {
  register(name: string, kernel: Kernel): void;
}

/** Runs fn with every kernel of `backend` timed; returns fn's result and the profile, slowest first. */
export function profileKernels<T>(backend: Backend, fn: () => T): { result: T; profile: KernelProfile[] } {
  const target = backend as Registrable;
  if (typeof target.register !== 'function') throw new Error(`profileKernels: backend '${backend.name}' cannot swap kernels`);
  const stats = new Map<string, KernelProfile>();
  const originals = backend.kernelNames().map((name) => [name, backend.kernel(name, 'float64')!] as const);
  for (const [name, kernel] of originals) {
    const entry: KernelProfile = { kernel: name, calls: 0, ms: 0 };
    stats.set(name, entry);
    target.register(name, (inputs, outputs, attrs) => {
      const start = performance.now();
      try {
        kernel(inputs, outputs, attrs);
      } finally {
        entry.ms += performance.now() - start;
        entry.calls++;
      }
    });
  }
  try {
    const result = fn();
    return { result, profile: [...stats.values()].filter((s) => s.calls > 0).sort((a, b) => b.ms - a.ms) };
  } finally {
    for (const [name, kernel] of originals) target.register(name, kernel);
  }
}
