// The i3-80M chunk tokenizer: lower-cased text cut greedily into 2- and 3-character chunks.
//
// Specification: ../../shared/spec/i3-architecture.md §3.9 (the original `ChunkTokenizer`, the
// model card's "streaming vocabulary / caching / chunk frequency counting"). In short:
//  - Chunking: lower-case; scanning left to right, take 3 characters at p iff p+3 <= len and one
//    of: text[p:p+3] is one of 28 common trigrams, text[p-1] is a space, text[p+3] is a space.
//    Otherwise take 2. The last chunk is cut short to what is left.
//  - Vocabulary: one pass counting chunks; sort by (-count, chunk); id 0 is `<UNK>`, ids 1..N
//    follow that order. No size cap.
//  - Encode: chunk as above; a chunk not in the vocabulary falls back to its longest prefix that is
//    (length-1 down to 1) and the scan continues after that prefix; if none is, emit `<UNK>` and
//    advance one character.
//  - File: {chunk_to_idx, idx_to_chunk, vocab_size, unk_token, unk_idx}; not an HF file.
// "Characters" are code points, as in the Python original (a JS string index is a UTF-16 unit).
// Lower-casing is JavaScript's toLowerCase, which agrees with Python's str.lower() on the texts
// here. Two deliberate departures, both optional: an id with no chunk is an error when decoding
// unless asked for `<UNK>` (the original always wrote "<UNK>"), and sorting compares code points
// (as Python does) rather than UTF-16 units.

import type { Documents } from './documents.ts';
import type { OnProgress } from './progress.ts';

const TRIGRAMS = new Set(('the and ing ion tio for tha ter hat his ere ent her was you are not but can all whi one ' +
  'our out whe hav thi wit').split(' '));

/** The chunk tokenizer's unknown token (id 0). */
export const CHUNK_UNK = '<UNK>';

/** Length of the chunk that starts at p (3, 2, or what is left at the end). */
function chunkLength(chars: readonly string[], p: number): number {
  const n = chars.length;
  if (p + 3 <= n && (TRIGRAMS.has(chars[p] + chars[p + 1] + chars[p + 2])
    || (p > 0 && chars[p - 1] === ' ') || (p + 3 < n && chars[p + 3] === ' '))) return 3;
  return Math.min(2, n - p);
}

/** The chunks of a text, as the vocabulary counter sees them. */
export function chunkText(text: string): string[] {
  const chars = Array.from(text.toLowerCase());
  const chunks: string[] = [];
  for (let p = 0; p < chars.length;) {
    const len = chunkLength(chars, p);
    chunks.push(chars.slice(p, p + len).join(''));
    p += len;
  }
  return chunks;
}

/** Compares strings by code point, as Python does (JS `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!), y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Options of ChunkTokenizer.build. */
export interface ChunkBuildOptions {
  /** Stop after this many documents (the original's `max_samples`). */
  maxSamples?: number;
  onProgress?: OnProgress;
}

/** The i3-80M chunk tokenizer: lower-cased text in 2- and 3-character chunks (spec §3.9). */
export class ChunkTokenizer {
  /** chunks[id] is the chunk with that id; chunks[0] is `<UNK>`. */
  readonly chunks: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(chunks: readonly string[]) {
    if (chunks[0] !== CHUNK_UNK) throw new Error(`chunk vocabulary: id 0 must be ${CHUNK_UNK}, not ${JSON.stringify(chunks[0])}`);
    this.chunks = chunks;
    this.ids = new Map(chunks.map((c, id) => [c, id]));
    if (this.ids.size !== chunks.length) throw new Error('chunk vocabulary: a chunk appears twice');
  }

  /** Counts chunks over a stream of documents (one pass) and builds the vocabulary. */
  static async build(documents: Documents, options: ChunkBuildOptions = {}): Promise<ChunkTokenizer> {
    const { maxSamples = Infinity, onProgress } = options;
    if (!(maxSamples > 0)) throw new Error(`maxSamples: ${maxSamples} must be a positive number of documents`);
    const counts = new Map<string, number>();
    let done = 0;
    for await (const doc of documents) {
      if (done >= maxSamples) break;
      for (const chunk of chunkText(doc)) counts.set(chunk, (counts.get(chunk) ?? 0) + 1);
      if (++done % 1000 === 0) onProgress?.({ stage: 'count chunks', done });
    }
    onProgress?.({ stage: 'count chunks', done, total: done });
    const sorted = [...counts].sort((x, y) => y[1] - x[1] || compareCodePoints(x[0], y[0])).map(([chunk]) => chunk);
    return new ChunkTokenizer([CHUNK_UNK, ...sorted]);
  }

  get vocabSize(): number {
    return this.chunks.length;
  }

  encode(text: string): number[] {
    const chars = Array.from(text.toLowerCase());
    const out: number[] = [];
    for (let p = 0; p < chars.length;) {
      let len = chunkLength(chars, p);
      let id: number | undefined;
      for (; len > 0; len--) {
        id = this.ids.get(chars.slice(p, p + len).join(''));
        if (id !== undefined) break;
      }
      out.push(id ?? 0);
      p += Math.max(len, 1);
    }
    return out;
  }

  /** Concatenated chunks. An id with no chunk is an error, or "<UNK>" with `unknownIds: 'unk'`. */
  decode(ids: ArrayLike<number>, options: { unknownIds?: 'error' | 'unk' } = {}): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const chunk = Number.isInteger(ids[i]) ? this.chunks[ids[i]] : undefined;
      if (chunk !== undefined) text += chunk;
      else if (options.unknownIds === 'unk') text += CHUNK_UNK;
      else throw new Error(`decode: ids[${i}] = ${ids[i]} is not a chunk id (vocabulary size ${this.vocabSize}); ask for unknownIds 'unk' (CLI: --unknown-ids unk) to decode it as ${CHUNK_UNK}`);
    }
    return text;
  }

  /** The original JSON format (§3.9). */
  toJson(): string {
    const chunkToIdx = Object.fromEntries(this.chunks.map((c, id) => [c, id]));
    const idxToChunk = Object.fromEntries(this.chunks.map((c, id) => [String(id), c]));
    return JSON.stringify({ chunk_to_idx: chunkToIdx, idx_to_chunk: idxToChunk, vocab_size: this.chunks.length, unk_token: CHUNK_UNK, unk_idx: 0 }, null, 2);
  }

  static fromJson(text: string): ChunkTokenizer {
    const fail = (field: string, problem: string): never => { throw new Error(`chunk tokenizer JSON: ${field} ${problem}`); };
    let json: Record<string, unknown> = {};
    try { json = JSON.parse(text); } catch (err) { fail('text', `is not valid JSON (${(err as Error).message}); the file may be truncated`); }
    if (typeof json !== 'object' || json === null) fail('top level', 'is not an object');
    if (json.unk_token !== CHUNK_UNK) fail('unk_token', `is ${JSON.stringify(json.unk_token)}, expected "${CHUNK_UNK}"`);
    if (json.unk_idx !== 0) fail('unk_idx', `is ${JSON.stringify(json.unk_idx)}, expected 0`);
    const map = json.chunk_to_idx;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('chunk_to_idx', 'is missing or not an object');
    const entries = Object.entries(map as Record<string, unknown>);
    if (json.vocab_size !== entries.length) fail('vocab_size', `is ${JSON.stringify(json.vocab_size)} but chunk_to_idx has ${entries.length} entries`);
    const chunks: string[] = new Array(entries.length);
    for (const [chunk, id] of entries) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || chunks[id as number] !== undefined) {
        fail(`chunk_to_idx[${JSON.stringify(chunk)}]`, `is ${JSON.stringify(id)}, not an unused id in 0..${entries.length - 1}`);
      }
      chunks[id as number] = chunk;
    }
    const reverse = json.idx_to_chunk as Record<string, unknown> | undefined;
    if (typeof reverse !== 'object' || reverse === null) fail('idx_to_chunk', 'is missing or not an object');
    chunks.forEach((chunk, id) => {
      if (reverse![String(id)] !== chunk) fail(`idx_to_chunk["${id}"]`, `is ${JSON.stringify(reverse![String(id)])}, but chunk_to_idx gives ${JSON.stringify(chunk)}`);
    });
    return new ChunkTokenizer(chunks);
  }
}
