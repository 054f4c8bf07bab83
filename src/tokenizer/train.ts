// Training a byte-level BPE vocabulary with the Hugging Face trainer's exact semantics.
//
// Reference: `tokenizers` (Rust) models/bpe/trainer.rs `BpeTrainer::do_train` and word.rs
// `Word::merge`, the trainer that made the i3 tokenizer (spec §4.5). Our output must equal theirs
// token for token (test/tokenizer/python-oracle.test.ts compares with fixtures the Python library
// made), so the bookkeeping below follows theirs, quirks included:
//  1. The vocabulary starts with the special tokens in the order given, then the alphabet (every
//     byte seen, or all 256 when seeded) in code-point order of the byte characters.
//  2. Pair counts (weighted by word counts) live in a map; a max-priority queue holds entries
//     (count, pair, words where the pair occurs). Ties go to the smaller (id_a, id_b).
//  3. A popped entry whose count is out of date is pushed back with the current count (lazy
//     update, no full recount). Training stops at `vocabSize` tokens, or when the best count is
//     below max(1, minFrequency).
//  4. Merging a pair in a word changes the counts of its neighbouring pairs only: the merged
//     pair's own count is left as it was (it is never popped again unless the same token string
//     is re-created by another merge, in which case HF merges it again only in the words recorded
//     with that entry; we do the same). A pair merged twice keeps its later rank, as HF's saved
//     merges do.
// Input is streamed: only the word counts are kept, never the corpus.

import { BYTE_TO_CHAR, byteLevelAlphabet, CHAR_TO_BYTE, utf8Bytes } from './bytes.ts';
import type { BpeModel } from './bpe.ts';
import type { Documents } from './documents.ts';
import { forEachPreToken } from './pretokenize.ts';
import type { OnProgress } from './progress.ts';

/** The i3 tokenizer's special tokens; their ids are 0..3 (spec §4.5). */
export const I3_SPECIAL_TOKENS: readonly string[] = ['<UNK>', '<PAD>', '<BOS>', '<EOS>'];

/** Settings of BPE training (those of HF's BpeTrainer that the i3 tokenizer uses). */
export interface BpeTrainOptions {
  /** Stop when the vocabulary (specials + alphabet + merges) has this many tokens. */
  vocabSize: number;
  /** Stop when the most frequent pair occurs fewer times than this. HF's default, 0. */
  minFrequency?: number;
  /** Added first, in order, and never split on encode. Default: I3_SPECIAL_TOKENS. */
  specialTokens?: readonly string[];
  /**
   * Put all 256 byte characters in the vocabulary, seen or not. Default true: then every input
   * round-trips. The original i3 tokenizer did not (pass false to reproduce it): it keeps ~160
   * more ids for merges, but bytes never seen in training (emoji, `@` in TinyStories) are dropped
   * without a trace when encoding.
   */
  seedAlphabet?: boolean;
  onProgress?: OnProgress;
}

/** Ids pack into a pair key as a * 2^21 + b, so they must stay below 2^21. */
const ID_LIMIT = 2 ** 21;
const pairKey = (a: number, b: number): number => a * ID_LIMIT + b;

/** Counts the pre-tokens (raw strings; their byte-level form is a 1:1 function of them). */
export async function countWords(documents: Documents, onProgress?: OnProgress): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (word: string): void => { counts.set(word, (counts.get(word) ?? 0) + 1); };
  let done = 0;
  for await (const doc of documents) {
    forEachPreToken(doc, add);
    if (++done % 1000 === 0) onProgress?.({ stage: 'count words', done });
  }
  onProgress?.({ stage: 'count words', done, total: done });
  return counts;
}

/** Trains on a stream of documents. */
export async function trainBpe(documents: Documents, options: BpeTrainOptions): Promise<BpeModel> {
  checkOptions(options);
  return trainBpeFromCounts(await countWords(documents, options.onProgress), options);
}

function checkOptions({ vocabSize, minFrequency = 0, specialTokens = I3_SPECIAL_TOKENS }: BpeTrainOptions): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize >= ID_LIMIT) {
    throw new Error(`vocabSize: ${vocabSize} is not an integer in 1..${ID_LIMIT - 1}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 0) {
    throw new Error(`minFrequency: ${minFrequency} is not a non-negative integer`);
  }
  specialTokens.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0) throw new Error(`specialTokens[${i}]: must be a non-empty string`);
  });
}

interface QueueEntry { count: number; key: number; words: Set<number> }

/** Trains from word counts (what `countWords` returns). */
export function trainBpeFromCounts(wordCounts: Map<string, number>, options: BpeTrainOptions): BpeModel {
  checkOptions(options);
  const { vocabSize, minFrequency = 0, specialTokens = I3_SPECIAL_TOKENS, seedAlphabet = true, onProgress } = options;
  const idToToken: string[] = [];
  const tokenToId = new Map<string, number>();
  const addToken = (token: string): void => {
    if (!tokenToId.has(token)) { tokenToId.set(token, idToToken.length); idToToken.push(token); }
  };
  specialTokens.forEach(addToken);

  // The alphabet: bytes seen (or all), in code-point order of their characters.
  const byteWords: Uint8Array[] = [];
  const counts: number[] = [];
  const seen = new Uint8Array(256).fill(seedAlphabet ? 1 : 0);
  for (const [word, count] of wordCounts) {
    const bytes = utf8Bytes(word);
    for (const b of bytes) seen[b] = 1;
    byteWords.push(bytes);
    counts.push(count);
  }
  byteLevelAlphabet().filter((c) => seen[CHAR_TO_BYTE[c.charCodeAt(0)]] === 1).forEach(addToken);
  const words: number[][] = byteWords.map((bytes) => Array.from(bytes, (b) => tokenToId.get(BYTE_TO_CHAR[b])!));

  // Pair counts, and for each pair changed since the last push, the words it occurs in.
  const pairCounts = new Map<number, number>();
  let touched = new Map<number, Set<number>>();
  const addPair = (key: number, delta: number, word: number): void => {
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta);
    if (delta > 0) {
      let where = touched.get(key);
      if (where === undefined) touched.set(key, (where = new Set()));
      where.add(word);
    }
  };
  words.forEach((symbols, w) => {
    for (let i = 0; i + 1 < symbols.length; i++) addPair(pairKey(symbols[i], symbols[i + 1]), counts[w], w);
  });
  const queue = new MergeQueue();
  const pushTouched = (): void => {
    for (const [key, where] of touched) {
      const count = pairCounts.get(key)!;
      if (count > 0) queue.push({ count, key, words: where });
    }
    touched = new Map();
  };
  pushTouched();

  const mergeKeys: number[] = [];
  const target = Math.max(0, vocabSize - idToToken.length);
  while (tokenToId.size < vocabSize) {
    const top = queue.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.key)!;
    if (top.count !== current) { top.count = current; queue.push(top); continue; }
    if (top.count < 1 || minFrequency > top.count) break;

    const a = Math.floor(top.key / ID_LIMIT), b = top.key - a * ID_LIMIT;
    const merged = idToToken[a] + idToToken[b];
    addToken(merged);
    const id = tokenToId.get(merged)!;
    mergeKeys.push(top.key);
    for (const w of top.words) words[w] = mergeInWord(words[w], a, b, id, (key, delta) => addPair(key, delta * counts[w], w));
    pushTouched();
    if (mergeKeys.length % 200 === 0) onProgress?.({ stage: 'merges', done: mergeKeys.length, total: target });
  }
  onProgress?.({ stage: 'merges', done: mergeKeys.length, total: mergeKeys.length });

  const lastRank = new Map<number, number>();
  mergeKeys.forEach((key, rank) => lastRank.set(key, rank));
  const merges = mergeKeys.filter((key, rank) => lastRank.get(key) === rank).map((key): [string, string] => {
    const a = Math.floor(key / ID_LIMIT);
    return [idToToken[a], idToToken[key - a * ID_LIMIT]];
  });
  return {
    vocab: tokenToId,
    merges,
    addedTokens: specialTokens.map((content) => ({ content, id: tokenToId.get(content)! })),
    unkToken: null,
  };
}

/**
 * Replaces each (a, b) in `symbols`, left to right without overlap, by `id`, reporting the pair
 * changes around each replacement as HF's Word::merge does: (prev, a) -1, (prev, id) +1,
 * (b, next) -1, (id, next) +1, where prev is the symbol now before it (perhaps just merged).
 */
function mergeInWord(symbols: number[], a: number, b: number, id: number,
  change: (key: number, delta: number) => void): number[] {
  const out: number[] = [];
  const n = symbols.length;
  for (let r = 0; r < n;) {
    if (r + 1 < n && symbols[r] === a && symbols[r + 1] === b) {
      if (out.length > 0) {
        const prev = out[out.length - 1];
        change(pairKey(prev, a), -1);
        change(pairKey(prev, id), 1);
      }
      if (r + 2 < n) {
        const next = symbols[r + 2];
        change(pairKey(b, next), -1);
        change(pairKey(id, next), 1);
      }
      out.push(id);
      r += 2;
    } else {
      out.push(symbols[r++]);
    }
  }
  return out;
}

/** A binary max-heap of entries by (count, then smaller pair key first): HF's `Merge` ordering. */
class MergeQueue {
  private readonly heap: QueueEntry[] = [];

  private static before(x: QueueEntry, y: QueueEntry): boolean {
    return x.count > y.count || (x.count === y.count && x.key < y.key);
  }

  push(entry: QueueEntry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!MergeQueue.before(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): QueueEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heap.length) break;
        if (child + 1 < heap.length && MergeQueue.before(heap[child + 1], heap[child])) child++;
        if (!MergeQueue.before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
