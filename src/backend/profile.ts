// Where the time goes. Two views of the same run:
//   ops     — every op's forward (ops/op.ts) and every backward rule (autograd/backward.ts) is a timed
//             frame; a frame's *self* time excludes the frames nested in it (a composite op's inner
//             ops, a backward rule's ops), so the rows add up to the time spent in ops. Each frame is
//             booked under the phase it ran in: forward, backward, or what the caller names (optimizer).
//   kernels — every kernel of the backend's table is wrapped with a timer, so the share spent in matmul
//             (or any kernel) is measured where the arithmetic happens.
// Allocations come from the memory ledger's running totals (memory.ts). Off, the cost is one null check per op.

import { allocationTotals } from './memory.ts';
import type { Backend, Kernel } from './backend.ts';

/** Calls and total time of one kernel. */
export interface KernelProfile { kernel: string; calls: number; ms: number }
/** Calls and self time of one op in one phase (forward, backward, or a caller-named phase). */
export interface OpProfile { op: string; phase: string; calls: number; ms: number }

/** What a Profiler measured: per-op self times, per-kernel times and allocations. */
export interface ProfileReport {
  /** Units of work the caller counted (training iterations, generated tokens). */
  steps: number;
  /** Wall time while the profiler was running. */
  ms: number;
  /** Self time per (op, phase), slowest first. */
  ops: OpProfile[];
  /** Time per kernel, slowest first (kernels run inside ops, so this is a second view of the same time). */
  kernels: KernelProfile[];
  /** Storages allocated and their bytes, and tensor objects (views included) created, while running. */
  allocations: { storages: number; bytes: number; tensors: number };
}

interface Registrable extends Backend { register(name: string, kernel: Kernel): void }
interface Frame { start: number; nested: number }

/** The running profiler (at most one), read by the op wrapper and the backward walk. */
export let activeProfiler: Profiler | null = null;

/**
 * Times every op (self time, by phase) and every kernel of one backend while running; see the header of
 * this file.
 */
export class Profiler {
  private readonly ops = new Map<string, OpProfile>();
  private readonly kernelStats = new Map<string, KernelProfile>();
  private readonly originals: Array<readonly [string, Kernel]> = [];
  private readonly frames: Frame[] = [];
  private running = false;
  private runningSince = 0;
  private elapsed = 0;
  private allocatedBefore = allocationTotals();
  private allocated = { storages: 0, bytes: 0, tensors: 0 };
  private phaseName = 'forward';
  steps = 0;

  /** Installs the kernel timers on `backend` and makes this the active profiler (paused until resume()). */
  constructor(private readonly backend: Backend) {
    const target = backend as Registrable;
    if (typeof target.register !== 'function') throw new Error(`profiler: backend '${backend.name}' cannot swap kernels, so its kernels cannot be timed`);
    if (activeProfiler) throw new Error('profiler: another profiler is already active; finish() it first');
    for (const name of backend.kernelNames()) {
      const kernel = backend.kernel(name, 'float32') ?? backend.kernel(name, 'int32');
      if (!kernel) continue;
      this.originals.push([name, kernel]);
      const entry: KernelProfile = { kernel: name, calls: 0, ms: 0 };
      this.kernelStats.set(name, entry);
      target.register(name, (inputs, outputs, attrs) => {
        if (!this.running) return kernel(inputs, outputs, attrs);
        const start = performance.now();
        try {
          kernel(inputs, outputs, attrs);
        } finally {
          entry.ms += performance.now() - start;
          entry.calls++;
        }
      });
    }
    activeProfiler = this;
  }

  /** Starts (or continues) counting time, calls and allocations. */
  resume(): void {
    if (this.running) return;
    this.running = true;
    this.runningSince = performance.now();
    this.allocatedBefore = allocationTotals();
  }

  /** Stops counting, e.g. between training iterations while evaluating or saving. */
  pause(): void {
    if (!this.running) return;
    this.running = false;
    this.elapsed += performance.now() - this.runningSince;
    const now = allocationTotals();
    this.allocated.storages += now.storages - this.allocatedBefore.storages;
    this.allocated.bytes += now.bytes - this.allocatedBefore.bytes;
    this.allocated.tensors += now.tensors - this.allocatedBefore.tensors;
  }

  /** Runs fn as one timed frame of `op` (self time booked under the current phase). */
  time<T>(op: string, fn: () => T): T {
    if (!this.running) return fn();
    const frame: Frame = { start: performance.now(), nested: 0 };
    this.frames.push(frame);
    try {
      return fn();
    } finally {
      this.frames.pop();
      const total = performance.now() - frame.start;
      const parent = this.frames[this.frames.length - 1];
      if (parent) parent.nested += total;
      const key = `${this.phaseName}\u0000${op}`;
      let entry = this.ops.get(key);
      if (!entry) this.ops.set(key, (entry = { op, phase: this.phaseName, calls: 0, ms: 0 }));
      entry.calls++;
      entry.ms += total - frame.nested;
    }
  }

  /** Runs fn with its frames booked under `phase` (backward, optimizer, …). */
  phase<T>(phase: string, fn: () => T): T {
    const before = this.phaseName;
    this.phaseName = phase;
    try {
      return fn();
    } finally {
      this.phaseName = before;
    }
  }

  /** The figures so far (the profiler keeps running). */
  report(): ProfileReport {
    const wasRunning = this.running;
    this.pause();
    const report: ProfileReport = {
      steps: this.steps,
      ms: this.elapsed,
      ops: [...this.ops.values()].map((o) => ({ ...o })).sort((a, b) => b.ms - a.ms),
      kernels: [...this.kernelStats.values()].filter((k) => k.calls > 0).map((k) => ({ ...k })).sort((a, b) => b.ms - a.ms),
      allocations: { ...this.allocated },
    };
    if (wasRunning) this.resume();
    return report;
  }

  /** Stops, restores the original kernels and returns the final report. */
  finish(): ProfileReport {
    const report = this.report();
    this.pause();
    const target = this.backend as Registrable;
    for (const [name, kernel] of this.originals) target.register(name, kernel);
    if (activeProfiler === this) activeProfiler = null;
    return report;
  }
}

/** Runs fn with every kernel of `backend` timed; returns fn's result and the kernel profile, slowest first. */
export function profileKernels<T>(backend: Backend, fn: () => T): { result: T; profile: KernelProfile[] } {
  const profiler = new Profiler(backend);
  profiler.resume();
  try {
    const result = fn();
    return { result, profile: profiler.finish().kernels };
  } finally {
    if (activeProfiler === profiler) profiler.finish(); // fn threw: still put the original kernels back
  }
}

/** Runs fn as a frame of the active profiler, if any (the cheap path when profiling is off). */
export function profiled<T>(op: string, fn: () => T): T {
  return activeProfiler ? activeProfiler.time(op, fn) : fn();
}

/** Runs fn under a named phase of the active profiler, if any. */
export function inPhase<T>(phase: string, fn: () => T): T {
  return activeProfiler ? activeProfiler.phase(phase, fn) : fn();
}
