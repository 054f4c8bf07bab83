// BPE on one pre-token: bytes in, token ids out, with Hugging Face's merge order.
//
// HF `tokenizers` (models/bpe/word.rs `merge_all`) keeps the word as a linked list of symbols and
// a priority queue of candidate merges ordered by (rank, position): it repeatedly applies the
// lowest-ranked merge, leftmost first among equal ranks. A popped entry is stale if its left
// symbol was merged away or now forms a different pair; otherwise the pair merges and the (at most
// two) pairs it creates with its neighbours are queued. O(n log n) for a word of n bytes.
// The buffers are kept between calls, so encoding allocates only the result.

import type { PairTable } from './pair-table.ts';

/** Heap entries pack (rank, position) into one double: rank * 2^32 + position, exact below 2^53. */
const POS_LIMIT = 2 ** 32;

/** Applies BPE merges to one pre-token's bytes, lowest rank first and leftmost among equals, as HF does. */
export class WordMerger {
  private bytes = new Uint8Array(256);
  private sym = new Int32Array(256);
  private next = new Int32Array(256);
  private prev = new Int32Array(256);
  private heap = new Float64Array(512);
  private heapSize = 0;
  private readonly encoder = new TextEncoder();

  /**
   * @param byteIds the id of each byte's character in the vocabulary, or -1
   * @param ranks the rank of each merge, by the pair of ids it merges
   * @param mergedId the id each merge (by rank) produces
   * @param unkId the id for bytes outside the vocabulary, or null to drop them (HF with no unk_token)
   */
  constructor(private readonly byteIds: Int32Array, private readonly ranks: PairTable,
    private readonly mergedId: Int32Array, private readonly unkId: number | null) {}

  /** The ids of one pre-token. */
  merge(word: string): number[] {
    const n = this.loadSymbols(word);
    const { sym, next, prev } = this;
    this.heapSize = 0;
    for (let i = 0; i + 1 < n; i++) this.pushPair(i);
    while (this.heapSize > 0) {
      const key = this.popMin();
      const rank = Math.floor(key / POS_LIMIT), pos = key - rank * POS_LIMIT;
      const right = next[pos];
      if (sym[pos] < 0 || right < 0 || this.ranks.get(sym[pos], sym[right]) !== rank) continue;
      sym[pos] = this.mergedId[rank];
      sym[right] = -1;
      next[pos] = next[right];
      if (next[pos] >= 0) prev[next[pos]] = pos;
      if (prev[pos] >= 0) this.pushPair(prev[pos]);
      if (next[pos] >= 0) this.pushPair(pos);
    }
    const ids: number[] = [];
    for (let i = 0; i < n; i++) if (sym[i] >= 0) ids.push(sym[i]);
    return ids;
  }

  /** Writes the word's byte symbols into the buffers (growing them if needed); returns how many. */
  private loadSymbols(word: string): number {
    if (word.length * 3 > this.bytes.length) {
      const size = word.length * 3;
      this.bytes = new Uint8Array(size);
      [this.sym, this.next, this.prev] = [new Int32Array(size), new Int32Array(size), new Int32Array(size)];
      this.heap = new Float64Array(size * 2);
    }
    const { written } = this.encoder.encodeInto(word, this.bytes); // at most 3 bytes per UTF-16 unit
    let n = 0;
    for (let i = 0; i < written; i++) {
      const id = this.byteIds[this.bytes[i]];
      if (id >= 0) this.sym[n++] = id;
      else if (this.unkId !== null) this.sym[n++] = this.unkId;
    }
    for (let i = 0; i < n; i++) { this.next[i] = i + 1 < n ? i + 1 : -1; this.prev[i] = i - 1; }
    return n;
  }

  /** Queues the merge of the symbol at `pos` with the next one, if there is such a merge. */
  private pushPair(pos: number): void {
    const rank = this.ranks.get(this.sym[pos], this.sym[this.next[pos]]);
    if (rank < 0) return;
    // n-1 entries at first; each merge pops one and pushes at most two, and there are < n merges:
    // the heap never holds more than 2n entries, which the buffer (2 per byte) holds.
    const heap = this.heap, value = rank * POS_LIMIT + pos;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= value) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = value;
  }

  private popMin(): number {
    const heap = this.heap, top = heap[0], last = heap[--this.heapSize], n = this.heapSize;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1] < heap[child]) child++;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
      i = child;
    }
    if (n > 0) heap[i] = last;
    return top;
  }
}
