// Memory accounting and scopes. CPU memory is garbage-collected, GPU memory is not, so the engine
// keeps one explicit ledger for both: every live tensor and every byte of storage, per backend.
// `scope(fn)` disposes every tensor created inside it except what fn returns or `keep`s,
// in the spirit of TensorFlow.js's tf.tidy.

import { bytesPerElement } from '../tensor/dtype.ts';
import type { Storage } from './backend.ts';

/** Something that holds backend memory until disposed. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

interface Ledger { tensors: number; bytes: number; storages: number }
const ledgers = new Map<string, Ledger>();

function ledger(backend: string): Ledger {
  let l = ledgers.get(backend);
  if (!l) ledgers.set(backend, (l = { tensors: 0, bytes: 0, storages: 0 }));
  return l;
}

/** Running totals of everything ever created (never decremented), for the profiler's allocations per step. */
const created = { storages: 0, bytes: 0, tensors: 0 };

/** Records a tensor created (+1) or disposed (−1) in the ledger of `backend`. */
export function countTensor(backend: string, delta: 1 | -1): void {
  ledger(backend).tensors += delta;
  if (delta > 0) created.tensors++;
}

/** Records a storage allocated (+1) or freed (−1), with its bytes, in its backend's ledger. */
export function countStorage(storage: Storage, delta: 1 | -1): void {
  const l = ledger(storage.backend.name);
  const bytes = storage.size * bytesPerElement(storage.dtype);
  l.storages += delta;
  l.bytes += delta * bytes;
  if (delta > 0) { created.storages++; created.bytes += bytes; }
}

/** Storages (and their bytes) and tensors created since the process started, on every backend. */
export function allocationTotals(): { storages: number; bytes: number; tensors: number } {
  return { ...created };
}

/** Live tensors, storages and bytes, per backend (or for one backend). */
export function memory(): Record<string, Ledger>;
export function memory(backend: string): Ledger;
export function memory(backend?: string): Ledger | Record<string, Ledger> {
  if (backend !== undefined) return { ...ledger(backend) };
  return Object.fromEntries([...ledgers].map(([k, v]) => [k, { ...v }]));
}

// ---- scopes ----------------------------------------------------------------------------------

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor: the innermost open scope will dispose it unless it escapes. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Lets `t` outlive the scopes it was created in. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/**
 * Runs fn and disposes every tensor created inside that is not part of its result
 * (a tensor, or an array / plain object holding tensors). The result moves to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  if (scopes.length > 1000) throw new Error('scope: nesting deeper than 1000; is scope() called recursively without end?');
  const created = new Set<Disposable>();
  scopes.push(created);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('scope: fn returned a Promise; scopes are synchronous (await outside, or dispose by hand)');
  } catch (err) {
    scopes.pop();
    for (const t of created) if (!t.isDisposed) t.dispose();
    throw err;
  }
  scopes.pop();
  const escaping = new Set<Disposable>();
  collect(result, escaping, 0);
  for (const t of created) {
    if (escaping.has(t)) track(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

function collect(value: unknown, out: Set<Disposable>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('dispose' in value && 'isDisposed' in value) {
    out.add(value as Disposable);
    return;
  }
  const items = Array.isArray(value) ? value : Object.getPrototypeOf(value) === Object.prototype ? Object.values(value) : [];
  for (const item of items) collect(item, out, depth + 1);
}
