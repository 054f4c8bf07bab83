// Building a tokenizer from corpus files through the cache: the entry points the CLI and the
// training code use. The first call trains (streaming the files) and stores the result; later
// calls with the same files and settings load it (cache.ts says how the key is made).

import { BpeTokenizer } from './bpe.ts';
import { buildOnce } from './cache.ts';
import { ChunkTokenizer, type ChunkBuildOptions } from './chunk.ts';
import { readDocuments } from './documents.ts';
import { parseTokenizerJson, serializeTokenizerJson } from './hf-json.ts';
import { I3_SPECIAL_TOKENS, trainBpe, type BpeTrainOptions } from './train.ts';

/** The corpus a tokenizer is built from, and the cache folder. */
export interface CorpusFiles {
  /** Text files read in order, as one stream of documents. */
  inputs: readonly string[];
  /** Document separator (documents.ts); default a newline. */
  separator?: string;
  /** Where built tokenizers are kept. */
  cacheDir: string;
}

/** A tokenizer from buildBpeTokenizer / buildChunkTokenizer, with its cache file and whether it was reused. */
export interface Built<T> {
  tokenizer: T;
  /** The cache file holding it (tokenizer.json format for BPE, §3.9 format for chunk). */
  path: string;
  /** True if it was loaded from the cache rather than built now. */
  reused: boolean;
}

/**
 * Trains a BPE tokenizer on the files, or loads it from the cache when the same files and settings were
 * used before.
 */
export async function buildBpeTokenizer(request: CorpusFiles & BpeTrainOptions): Promise<Built<BpeTokenizer>> {
  const { inputs, separator = '\n', cacheDir, onProgress, ...train } = request;
  const settings = {
    vocabSize: train.vocabSize, minFrequency: train.minFrequency ?? 0, seedAlphabet: train.seedAlphabet ?? true,
    specialTokens: [...(train.specialTokens ?? I3_SPECIAL_TOKENS)], separator,
  };
  const { text, path, reused } = await buildOnce({ dir: cacheDir, kind: 'bpe', settings, inputs },
    async () => serializeTokenizerJson(await trainBpe(readDocuments(inputs, separator), { ...settings, onProgress })));
  return { tokenizer: new BpeTokenizer(parseTokenizerJson(text)), path, reused };
}

/** Builds the i3-80M chunk tokenizer from the files, or loads it from the cache. */
export async function buildChunkTokenizer(request: CorpusFiles & ChunkBuildOptions): Promise<Built<ChunkTokenizer>> {
  const { inputs, separator = '\n', cacheDir, maxSamples, onProgress } = request;
  const settings = { maxSamples: maxSamples ?? null, separator };
  const { text, path, reused } = await buildOnce({ dir: cacheDir, kind: 'chunk', settings, inputs },
    async () => (await ChunkTokenizer.build(readDocuments(inputs, separator), { maxSamples, onProgress })).toJson());
  return { tokenizer: ChunkTokenizer.fromJson(text), path, reused };
}
