// First-fit allocation of byte ranges in a region [0, budget): the resident weights' layout in their
// WebAssembly memory (resident.ts). Free ranges are kept sorted by address and merged with their
// neighbours when freed, so weights of one size freed and allocated again (a model disposed, the next
// one loaded) reuse the same space. `top` is the end of the highest range in use: the memory must
// hold at least that much, and anything above it is free scratch.

const ALIGN = 16; // one v128

/** Byte ranges allocated first-fit below a fixed budget; see the header. */
export class BlockAllocator {
  private free: Array<{ at: number; bytes: number }> = [];
  /** End of the highest allocated range (0 when none). */
  top = 0;
  /** Bytes in allocated ranges (after rounding up to 16). */
  used = 0;

  constructor(readonly budget: number) {}

  /** The address of a new range of `bytes` (rounded up to 16), or -1 when it does not fit in the budget. */
  alloc(bytes: number): number {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    const i = this.free.findIndex((f) => f.bytes >= size);
    let at: number;
    if (i >= 0) {
      const f = this.free[i];
      at = f.at;
      if (f.bytes === size) this.free.splice(i, 1);
      else { f.at += size; f.bytes -= size; }
    } else {
      if (this.top + size > this.budget) return -1;
      at = this.top;
      this.top += size;
    }
    this.used += size;
    return at;
  }

  /** Returns the range at `at` of `bytes` (as passed to alloc) to the free list. */
  release(at: number, bytes: number): void {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    this.used -= size;
    let i = this.free.findIndex((f) => f.at > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { at, bytes: size });
    // Merge with the next range, then with the previous one.
    const next = this.free[i + 1];
    if (next && at + size === next.at) { this.free[i].bytes += next.bytes; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.bytes === at) { prev.bytes += this.free[i].bytes; this.free.splice(i, 1); i--; }
    // A free range that ends at the top is no longer "below the top".
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.bytes === this.top) { this.top = last.at; this.free.pop(); }
  }
}
