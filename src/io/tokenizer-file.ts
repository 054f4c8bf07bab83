// tokenizer.json of a model folder: either a Hugging Face byte-level BPE file (the i3-200M tokenizer,
// spec §4.5) or the i3-80M chunk tokenizer's own JSON (spec §3.9), which the original exporter also
// names tokenizer.json. The kind is recognised from the content.

// From the files themselves, not tokenizer/index.ts: that also exports the file-reading builders,
// and this module is in the browser playground's module graph.
import { BpeTokenizer } from '../tokenizer/bpe.ts';
import { ChunkTokenizer } from '../tokenizer/chunk.ts';
import { parseTokenizerJson, serializeTokenizerJson } from '../tokenizer/hf-json.ts';

/** Either tokenizer a model folder can hold. */
export type Tokenizer = BpeTokenizer | ChunkTokenizer;

/** Reads a tokenizer.json: the chunk tokenizer's format if it has `chunk_to_idx`, otherwise Hugging Face BPE. */
export function parseTokenizerFile(text: string): Tokenizer {
  return /^\s*\{\s*"chunk_to_idx"\s*:/.test(text) ? ChunkTokenizer.fromJson(text) : new BpeTokenizer(parseTokenizerJson(text));
}

/** The tokenizer.json text for either tokenizer. */
export function serializeTokenizerFile(tokenizer: Tokenizer): string {
  return tokenizer instanceof ChunkTokenizer ? tokenizer.toJson() : serializeTokenizerJson(tokenizer.model);
}

/** The id of `<EOS>`, where the tokenizer has one (the chunk tokenizer has none, spec §3.7). */
export function eosId(tokenizer: Tokenizer): number | undefined {
  return tokenizer instanceof BpeTokenizer ? tokenizer.tokenToId('<EOS>') : undefined;
}
