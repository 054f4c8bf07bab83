// Importing a tiktoken vocabulary (e.g. GPT-2's r50k_base) as a byte-level BPE model.
//
// A `.tiktoken` file lists each token's bytes (base64) and its rank, one per line; tiktoken
// encodes by repeatedly merging the adjacent pair whose concatenation has the lowest rank. HF-style
// BPE needs explicit merges instead. For each token of two or more bytes we recover the merge that
// makes it by running tiktoken's procedure on the token's own bytes with only lower-ranked tokens
// allowed: it must end in exactly two parts, and those are the merge, ranked by the token's rank.
// (The conversion HF documents for tiktoken vocabularies works the same way.) Token ids are the
// ranks, so ids match tiktoken's; test/tokenizer/gpt2-oracle.test.ts checks it on real text.

import { BYTE_TO_CHAR } from './bytes.ts';
import type { BpeModel } from './bpe.ts';

/** Parses `.tiktoken` text into (bytes as a latin1 string -> rank). */
function parseRanks(text: string): Map<string, number> {
  const ranks = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [b64, rankText, extra] = line.split(' ');
    const rank = Number(rankText);
    if (extra !== undefined || !Number.isInteger(rank) || rank < 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      throw new Error(`tiktoken line ${i + 1}: ${JSON.stringify(line.slice(0, 40))} is not "<base64> <rank>"`);
    }
    ranks.set(Buffer.from(b64, 'base64').toString('latin1'), rank);
  });
  return ranks;
}

/** tiktoken's merge procedure on `token`, using only tokens ranked below `limit`. */
function splitBelow(token: string, ranks: Map<string, number>, limit: number): string[] {
  const parts = [...token];
  for (;;) {
    let best = -1, bestRank = limit;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) { best = i; bestRank = r; }
    }
    if (best < 0) return parts;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
}

/**
 * A BPE model from `.tiktoken` text and the encoding's special tokens (for r50k_base:
 * `{ '<|endoftext|>': 50256 }`). Specials join the vocabulary and the added tokens.
 */
export function bpeModelFromTiktoken(text: string, specials: Record<string, number>): BpeModel {
  const ranks = parseRanks(text);
  const latin1ToByteLevel = (s: string): string => {
    let out = '';
    for (let i = 0; i < s.length; i++) out += BYTE_TO_CHAR[s.charCodeAt(i)];
    return out;
  };
  const vocab = new Map<string, number>();
  const ordered = [...ranks].sort((x, y) => x[1] - y[1]);
  const merges: Array<[string, string]> = [];
  for (const [bytes, rank] of ordered) {
    vocab.set(latin1ToByteLevel(bytes), rank);
    if (bytes.length < 2) continue;
    const parts = splitBelow(bytes, ranks, rank);
    if (parts.length !== 2) {
      throw new Error(`tiktoken: token of rank ${rank} cannot be made by one merge of lower-ranked tokens (got ${parts.length} parts)`);
    }
    merges.push([latin1ToByteLevel(parts[0]), latin1ToByteLevel(parts[1])]);
  }
  const addedTokens = Object.entries(specials).map(([content, id]) => ({ content, id }));
  for (const { content, id } of addedTokens) vocab.set(content, id);
  return { vocab, merges, addedTokens, unkToken: null };
}

