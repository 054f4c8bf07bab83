// Oracle: the npm `@huggingface/tokenizers` (Tokenizers.js), which loads a tokenizer.json and
// encodes with its own JavaScript implementation. It must give our ids for the same file.
// Two documented differences are kept out of the inputs (../shared/research/tokenizer-oracles.md):
//  - bytes the vocabulary lacks (unseeded alphabet): Python drops them before merging, Tokenizers.js
//    after, so they are compared only where the text has no such bytes, or the alphabet is seeded;
//  - U+0085 and U+FEFF: Tokenizers.js splits with JavaScript's `\s`, HF's Rust library (the
//    reference, python-oracle.test.ts) with Oniguruma's, and the two disagree on exactly these.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer } from '../../src/tokenizer/bpe.ts';
import { parseTokenizerJson, serializeTokenizerJson } from '../../src/tokenizer/hf-json.ts';
import { trainBpe } from '../../src/tokenizer/train.ts';
import { splitDocuments } from '../../src/tokenizer/documents.ts';
import { dataPath, readFixture, SPACE_DEFINITION_DIFFERS, TINYSTORIES, WIKI_TRAIN, WIKI_VALID } from './helpers.ts';

const t = suite('@huggingface/tokenizers (npm) oracle');

const text = (name: string, from: number, length: number): string => readFileSync(dataPath(name), 'utf8').slice(from, from + length);

function both(json: string): { ours: BpeTokenizer; theirs: Tokenizer } {
  return { ours: new BpeTokenizer(parseTokenizerJson(json)), theirs: new Tokenizer(JSON.parse(json), {}) };
}

function sameIds(ours: BpeTokenizer, theirs: Tokenizer, input: string, label: string): void {
  assert.equal(ours.encode(input), theirs.encode(input).ids, label);
}

t('the Python-trained TinyStories tokenizer: same ids on TinyStories text', () => {
  const { ours, theirs } = both(readFixture('bpe-tinystories-8000.json'));
  sameIds(ours, theirs, text(TINYSTORIES, 1_500_000, 200_000), 'TinyStories');
});

t('a tokenizer we trained on WikiText (seeded alphabet): same ids on WikiText and TinyStories text', async () => {
  const docs = splitDocuments(text(WIKI_TRAIN, 0, 400_000));
  const { ours, theirs } = both(serializeTokenizerJson(await trainBpe(docs, { vocabSize: 3000 })));
  sameIds(ours, theirs, text(WIKI_VALID, 0, 150_000), 'WikiText valid');
  sameIds(ours, theirs, text(TINYSTORIES, 0, 100_000), 'TinyStories');
});

t('same ids on random Unicode strings (seeded alphabet), specials included', async () => {
  const docs = splitDocuments(text(TINYSTORIES, 0, 300_000), '<|endoftext|>');
  const { ours, theirs } = both(serializeTokenizerJson(await trainBpe(docs, { vocabSize: 1500 })));
  const special = fc.constantFrom('<UNK>', '<PAD>', '<BOS>', '<EOS>');
  const pieces = fc.array(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(' ', '\n', 'a', 'e', "'", 's', '1', '!', 'é', '漢', '😀', '\u3000'), maxLength: 12 }), special,
  ), { maxLength: 6 });
  fc.assert(fc.property(pieces, (parts) => {
    const input = parts.join('').replace(SPACE_DEFINITION_DIFFERS, '');
    sameIds(ours, theirs, input, JSON.stringify(input));
  }), { numRuns: 1500 });
});

t('the documented difference is real: Tokenizers.js splits "x\\ufeff\\ufeffy" at U+FEFF as whitespace, we do not', () => {
  // U+FEFF is the bytes EF BB BF, shown as ï » ¿; the last merge joins two of them.
  const vocab = new Map(['x', 'y', 'ï', '»', '¿', 'ï»', 'ï»¿', 'ï»¿ï»¿'].map((token, id) => [token, id]));
  const merges: Array<[string, string]> = [['ï', '»'], ['ï»', '¿'], ['ï»¿', 'ï»¿']];
  const { ours, theirs } = both(serializeTokenizerJson({ vocab, merges, addedTokens: [], unkToken: null }));
  assert.equal(ours.encode('x\ufeff\ufeffy'), [0, 7, 1]);
  assert.equal(theirs.encode('x\ufeff\ufeffy').ids, [0, 6, 6, 1]);
});

t.run();
