// Weights resident in WebAssembly memory, for the products with one to three rows of A (generating a
// token: x·Wᵀ for every linear layer and the vocabulary head). Without it the matvec path copies
// each weight from its typed array into wasm memory on every token (≈225 MB per token for i3-200m)
// and then reads the copy again; with it, a weight is copied once and every later token reads it
// where it is, packed in panels of four rows that the kernel reads as one stream (matvec-kernel.ts
// dotPanels): one i3-200m token's products 40 → 28 ms here, ≈8 GB/s, near this machine's memory
// bandwidth. Each output is the same sum in the same order as on the copying path: bit-identical.
//
// When a copy is valid. Every CPU storage is written only by CPU kernels (ops, assign, the fused
// optimizer updates, loading: all call a kernel of the CPU backend's table), and the backend wraps
// each kernel so that it calls noteWrite(output array) before writing (src/backend/cpu.ts). Each
// array has a version, bumped by noteWrite; a copy records the version it was made from and is used
// only while the version is unchanged, otherwise it is copied again. So a stale copy is never read:
// the one way around is writing into `storage.data` by hand, which no code path of the engine does for
// float32 (gradcheck perturbs float64 inputs, which never reach the SIMD kernels).
//
// What gets copied. A weight W of a product x·Wᵀ (array, offset, strides, shape) becomes resident
// the second time it is used with its array unchanged in between: weights qualify from the second
// token on, while activations (a fresh array each time) and caches written every token never do, so
// nothing is copied that is read only once. Making the copies costs ≈0.4 s once for i3-200m (its
// 225 MB written into fresh memory; bench/matmul-token.bench.ts).
//
// Bounds. The copies live in their own WebAssembly memory (not the kernels' scratch arena), at most
// `budget` bytes (I3_RESIDENT_MB, default 2048; wasm32 memories stop at 4 GiB). A weight that does not
// fit (over the budget, or the engine cannot allocate a memory that big) is not copied: its products
// take the copying path, and `refused` counts them. When a tensor's
// storage is freed (dispose), the backend calls release() and its copies' space is reused; when no
// copy is left, the memory itself is dropped (WebAssembly memories never shrink).

import { WasmArena } from './arena.ts';
import { BlockAllocator } from './blocks.ts';

/** One resident-able view of an array: `lines` lines of `length` values (the caller's layout of the
 *  copy takes `bytes`). */
interface Entry {
  offset: number; lineStride: number; elemStride: number; lines: number; length: number; bytes: number;
  /** The array's version when this view was last used (a second use at the same version copies it). */
  seen: number;
  /** Byte address of the copy in the resident memory, or -1. */
  at: number;
  /** The array's version the copy was made from. */
  copied: number;
}
interface ArrayRecord { version: number; entries: Entry[] }

/** Counters of the resident weights, for benchmarks and tests. */
export interface ResidentStats { copies: number; bytes: number; memoryBytes: number; refused: number }

const MIB = 1 << 20;

/** I3_RESIDENT_MB as bytes (default 2048 MiB; 0 turns residency off); a clear error for a bad value. */
export function residentBudget(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): number {
  const raw = env.I3_RESIDENT_MB;
  if (raw === undefined || raw === '') return 2048 * MIB;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0 || mb > 4000) {
    throw new Error(`I3_RESIDENT_MB='${raw}' must be a number of MiB from 0 (off) to 4000 (a WebAssembly memory holds at most 4 GiB)`);
  }
  return Math.floor(mb * MIB);
}

/** Copies of weights kept in their own WebAssembly memory; see the header of this file. */
export class ResidentWeights {
  private memory: WasmArena | undefined;
  private readonly records = new WeakMap<object, ArrayRecord>();
  private readonly blocks: BlockAllocator;
  private copies = 0;
  private refused = 0;

  constructor(budget: number) {
    this.blocks = new BlockAllocator(budget);
  }

  /** The memory holding the copies (created on first use, so importing this file allocates nothing). */
  get arena(): WasmArena {
    // Grows fourfold (each replacement copies every copy made so far), up to the budget and some scratch.
    this.memory ??= new WasmArena(1 << 16, 4, this.blocks.budget + (64 << 20));
    return this.memory;
  }

  /** Called by the CPU backend before any kernel writes `array`: its copies become stale. */
  noteWrite(array: object): void {
    const r = this.records.get(array);
    if (!r) return;
    r.version++;
    // Views never copied can only become resident after two uses at one version: forget them.
    if (r.entries.some((e) => e.at < 0)) r.entries = r.entries.filter((e) => e.at >= 0);
  }

  /** Called by the CPU backend when `array`'s storage is freed: its copies' space is released. */
  release(array: object): void {
    const r = this.records.get(array);
    if (!r) return;
    this.records.delete(array);
    const copies = r.entries.filter((e) => e.at >= 0);
    for (const e of copies) this.blocks.release(e.at, e.bytes);
    this.copies -= copies.length;
    // The last copy gone: drop the big memory (only then, not whenever a never-copied array is freed).
    if (copies.length > 0 && this.blocks.used === 0) this.memory?.reset(1 << 16);
  }

  /**
   * The byte address in `arena` of a valid copy of the view of `b` at `offset` (`lines` lines of
   * `length` values, strides lineStride and elemStride), making the copy if this is the view's second
   * use at one version: `bytes` of room at byte address `at` of `arena`, filled by `fill(at)` in
   * whatever layout the caller's kernel reads (it may use scratch()). -1 when the caller should
   * stream B itself.
   */
  lookup(b: Float32Array, offset: number, lineStride: number, elemStride: number, lines: number, length: number,
    bytes: number, fill: (at: number) => void): number {
    if (this.blocks.budget === 0) return -1;
    let r = this.records.get(b);
    if (!r) this.records.set(b, (r = { version: 0, entries: [] }));
    const e = r.entries.find((x) => x.offset === offset && x.lineStride === lineStride && x.elemStride === elemStride &&
      x.lines === lines && x.length === length && x.bytes === bytes);
    if (!e) {
      r.entries.push({ offset, lineStride, elemStride, lines, length, bytes, seen: r.version, at: -1, copied: -1 });
      return -1;
    }
    if (e.at >= 0 && e.copied === r.version) return e.at;
    if (e.at < 0) {
      if (e.seen !== r.version) { e.seen = r.version; return -1; }
      e.at = this.blocks.alloc(bytes);
      if (e.at < 0) { this.refused++; return -1; }
      try {
        this.arena.ensure(this.blocks.top, this.blocks.top);
      } catch (err) {
        // The engine could not allocate the bigger memory (a browser tab's limit, say): refused like
        // a weight over the budget; the old memory and its copies are untouched.
        if (!(err instanceof RangeError)) throw err;
        this.blocks.release(e.at, bytes);
        e.at = -1;
        this.refused++;
        return -1;
      }
      this.copies++;
    }
    fill(e.at);
    e.copied = r.version;
    return e.at;
  }

  /** A byte address of `bytes` of scratch above every copy, valid until the next lookup. */
  scratch(bytes: number): number {
    const at = this.blocks.top;
    this.arena.ensure(at + bytes, at);
    return at;
  }

  /** How many copies, their bytes, the memory's size, and products refused for lack of room. */
  stats(): ResidentStats {
    return { copies: this.copies, bytes: this.blocks.used, memoryBytes: this.memory?.bytes ?? 0, refused: this.refused };
  }
}

/** The resident weights of the CPU backend's SIMD matmul, budget from I3_RESIDENT_MB. */
export const residentWeights = new ResidentWeights(residentBudget());
