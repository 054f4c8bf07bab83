// A hash table from pairs of token ids to an integer (a merge's rank), for the encoder's inner loop.
//
// A JS Map keyed by `a * 2^21 + b` works, but such keys exceed V8's small-integer range, so every
// lookup hashes a heap number; this table, two Int32Arrays of keys with linear probing, is several
// times faster and allocates nothing per lookup. It only grows by insertion; no deletion is needed.

/** An open-addressing hash table from a pair of ids to an integer (a merge's rank). */
export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  private size = 0;

  constructor(expected = 16) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2; // keep the load factor at most 1/2
    this.keysA = new Int32Array(capacity).fill(-1);
    this.keysB = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) & this.mask;
  }

  /** The value stored for (a, b), or -1. Ids must be non-negative. */
  get(a: number, b: number): number {
    for (let i = this.slot(a, b); ; i = (i + 1) & this.mask) {
      const ka = this.keysA[i];
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return this.values[i];
    }
  }

  /** Stores `value` for (a, b), replacing any earlier value. */
  set(a: number, b: number, value: number): void {
    if ((this.size + 1) * 2 > this.keysA.length) this.grow();
    for (let i = this.slot(a, b); ; i = (i + 1) & this.mask) {
      if (this.keysA[i] === -1) {
        this.keysA[i] = a; this.keysB[i] = b; this.values[i] = value;
        this.size++;
        return;
      }
      if (this.keysA[i] === a && this.keysB[i] === b) { this.values[i] = value; return; }
    }
  }

  private grow(): void {
    const [keysA, keysB, values] = [this.keysA, this.keysB, this.values];
    this.keysA = new Int32Array(keysA.length * 2).fill(-1);
    this.keysB = new Int32Array(keysA.length * 2);
    this.values = new Int32Array(keysA.length * 2);
    this.mask = this.keysA.length - 1;
    this.size = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== -1) this.set(keysA[i], keysB[i], values[i]);
  }
}
