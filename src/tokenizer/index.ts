// Public surface of the tokenizers (independent of the tensor engine).
//  - Byte-level BPE, the i3-200M tokenizer (spec §4.5): BpeTokenizer, trainBpe, tokenizer.json I/O.
//  - The i3-80M chunk tokenizer (spec §3.9): ChunkTokenizer.
//  - Building from files with a content-keyed cache: buildBpeTokenizer, buildChunkTokenizer.

export { BpeTokenizer, type AddedToken, type BpeModel, type DecodeOptions } from './bpe.ts';
export { byteLevelAlphabet, toByteLevel } from './bytes.ts';
export { buildBpeTokenizer, buildChunkTokenizer, type Built, type CorpusFiles } from './build.ts';
export { buildOnce, cacheKey, type CacheRequest } from './cache.ts';
export { ChunkTokenizer, chunkText, CHUNK_UNK, type ChunkBuildOptions } from './chunk.ts';
export { cleanDocument, fingerprintFiles, readDocuments, splitDocuments, type Documents } from './documents.ts';
export { parseTokenizerJson, serializeTokenizerJson } from './hf-json.ts';
export { preTokenize, SpecialSplitter } from './pretokenize.ts';
export type { OnProgress, Progress } from './progress.ts';
export { bpeModelFromTiktoken } from './tiktoken.ts';
export { countWords, I3_SPECIAL_TOKENS, trainBpe, trainBpeFromCounts, type BpeTrainOptions } from './train.ts';
