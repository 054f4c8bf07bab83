// Data: the four corpora streamed as documents, mixed, tokenized with <EOS>, split, and cut into windows.
export { FORMATS, guessFormat, readFormat, readLines, type Format } from './formats.ts';
export { mixDocuments, type WeightedDocuments } from './mix.ts';
export { loadCorpus, parseDataSpec, readCorpusDocuments, type Corpus, type CorpusOptions, type DataSpec } from './corpus.ts';
export { RandomWindows, SequentialWindows, type Batch, type BatchSource } from './windows.ts';
export { mixSeed, seededGenerator } from './seeded.ts';
