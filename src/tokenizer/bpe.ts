// Byte-level BPE: encoding text to ids and decoding ids to text, with Hugging Face's semantics.
//
// A model is a vocabulary (byte-level strings -> ids), a ranked list of merges, and special
// ("added") tokens. Encoding follows HF `tokenizers`: cut out the specials, pre-tokenize
// (pretokenize.ts), then run BPE on each word's bytes (word-merger.ts), through a cache of words.
// A byte whose character is not in the vocabulary (possible when the alphabet was not seeded) is
// dropped before merging, as in the Python library with no `unk_token` (see
// ../../shared/research/tokenizer-oracles.md); with an `unk_token` it becomes that token.
// Decoding maps each token back to its bytes and reads them as UTF-8, replacing invalid sequences
// with U+FFFD exactly as HF's ByteLevel decoder (`from_utf8_lossy`) and TextDecoder both do.

import { fromByteLevel, BYTE_TO_CHAR, utf8Bytes } from './bytes.ts';
import { PairTable } from './pair-table.ts';
import { preTokenEnd, SpecialSplitter } from './pretokenize.ts';
import { WordMerger } from './word-merger.ts';

/** A special token: matched whole in the input, never merged, decoded to its content. */
export interface AddedToken { id: number; content: string }

/** Everything a byte-level BPE tokenizer is; what a tokenizer.json holds and a trainer produces. */
export interface BpeModel {
  vocab: Map<string, number>;
  /** In rank order: merges[0] is applied first. Each pair's concatenation must be in the vocab. */
  merges: Array<[string, string]>;
  addedTokens: AddedToken[];
  /** Token for bytes outside the vocabulary; null (the i3 setting) drops them instead. */
  unkToken: string | null;
}

/** How decode treats special tokens and ids with no token. */
export interface DecodeOptions {
  /** Leave special tokens out of the text (HF Python's default is true; ours keeps them). */
  skipSpecialTokens?: boolean;
  /** An id with no token is an error (default), or decodes as the `unk` token when 'unk'. */
  unknownIds?: 'error' | 'unk';
}

/** Ids (and merge ranks) must stay below 2^21: the word merger packs a rank with a position. */
const ID_LIMIT = 2 ** 21;
/** Pre-tokens longer than this are not cached (they are rare and would bloat the cache). */
const CACHE_WORD_LIMIT = 64;
const CACHE_ENTRIES = 200_000;

/** A byte-level BPE tokenizer with Hugging Face's semantics: `encode` text to ids, `decode` ids to text. */
export class BpeTokenizer {
  readonly model: BpeModel;
  /** One more than the largest id, whether from the vocabulary or the added tokens. */
  readonly vocabSize: number;
  private readonly unkId: number | null;
  private readonly merger: WordMerger;
  private readonly idBytes: Array<Uint8Array | undefined> = [];
  private readonly specialIds = new Set<number>();
  private readonly splitter: SpecialSplitter;
  private readonly cache = new Map<string, number[]>();

  constructor(model: BpeModel) {
    this.model = model;
    const checkId = (id: number, where: string): void => {
      if (!Number.isInteger(id) || id < 0 || id >= ID_LIMIT) throw new Error(`${where} has id ${id}; ids must be integers in 0..${ID_LIMIT - 1}`);
    };
    for (const [token, id] of model.vocab) {
      checkId(id, `vocab: token ${JSON.stringify(token)}`);
      // A token whose characters are not all byte characters decodes as its own UTF-8 (HF does too).
      this.idBytes[id] = fromByteLevel(token) ?? utf8Bytes(token);
    }
    for (const { id, content } of model.addedTokens) {
      checkId(id, `added_tokens: ${JSON.stringify(content)}`);
      this.idBytes[id] = utf8Bytes(content);
      this.specialIds.add(id);
    }
    this.vocabSize = this.idBytes.length;
    const byteIds = Int32Array.from(BYTE_TO_CHAR, (c) => model.vocab.get(c) ?? -1);

    if (model.merges.length >= ID_LIMIT) throw new Error(`merges: ${model.merges.length} merges; at most ${ID_LIMIT - 1} are supported`);
    const ranks = new PairTable(model.merges.length);
    const mergedId = new Int32Array(model.merges.length);
    model.merges.forEach(([a, b], rank) => {
      const idA = model.vocab.get(a), idB = model.vocab.get(b), merged = model.vocab.get(a + b);
      const missing = idA === undefined ? a : idB === undefined ? b : merged === undefined ? a + b : null;
      if (missing !== null) {
        throw new Error(`merges[${rank}] (${JSON.stringify(a)}, ${JSON.stringify(b)}): ${JSON.stringify(missing)} is not in the vocab`);
      }
      // A pair listed twice keeps its later rank, as HF's loader (a map built in list order) does.
      ranks.set(idA!, idB!, rank);
      mergedId[rank] = merged!;
    });

    if (model.unkToken === null) this.unkId = null;
    else {
      const id = model.vocab.get(model.unkToken);
      if (id === undefined) throw new Error(`unk_token ${JSON.stringify(model.unkToken)} is not in the vocab`);
      this.unkId = id;
    }
    this.splitter = new SpecialSplitter(model.addedTokens);
    this.merger = new WordMerger(byteIds, ranks, mergedId, this.unkId);
  }

  /** The ids of `text`. No BOS/EOS is added (the i3 tokenizer has no post-processor). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const segment of this.splitter.split(text)) {
      if (segment.special) ids.push(segment.id);
      else {
        const part = segment.text;
        for (let i = 0, end = 0; i < part.length; i = end) {
          end = preTokenEnd(part, i);
          this.encodeWord(part.slice(i, end), ids);
        }
      }
    }
    return ids;
  }

  /** The text of `ids`. Throws on an id with no token unless `unknownIds: 'unk'`. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      let id = ids[i];
      if (this.idBytes[id] === undefined) id = this.replaceUnknownId(id, i, options);
      if (options.skipSpecialTokens && this.specialIds.has(id)) continue;
      const bytes = this.idBytes[id]!;
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const p of parts) { all.set(p, offset); offset += p.length; }
    return new TextDecoder('utf-8').decode(all);
  }

  tokenToId(token: string): number | undefined {
    return this.model.vocab.get(token) ?? this.model.addedTokens.find((t) => t.content === token)?.id;
  }

  private replaceUnknownId(id: number, index: number, options: DecodeOptions): number {
    const unk = this.unkId ?? this.tokenToId('<UNK>');
    if (options.unknownIds === 'unk' && unk !== undefined) return unk;
    const hint = unk === undefined ? 'this tokenizer has no unk token'
      : "ask for unknownIds 'unk' (CLI: --unknown-ids unk) to decode it as the unk token";
    throw new Error(`decode: ids[${index}] = ${id} is not a token id (vocabulary size ${this.vocabSize}); ${hint}`);
  }

  /** Appends the ids of one pre-token, through the cache. */
  private encodeWord(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) out.push(cached[i]);
      return;
    }
    const ids = this.merger.merge(word);
    if (word.length <= CACHE_WORD_LIMIT) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.clear(); // crude but bounded
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }
}
