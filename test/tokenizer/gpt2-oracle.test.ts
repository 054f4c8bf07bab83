// Oracle: GPT-2's own vocabulary (r50k_base) as shipped and encoded by `gpt-tokenizer` and
// `js-tiktoken`. We convert its `.tiktoken` ranks to a BPE model (merges recovered from ranks),
// write that as tokenizer.json, read it back, and must give their ids.
// gpt-tokenizer 4.0.0 did not recognise `<|endoftext|>` for r50k_base even with allowedSpecial 'all'
// (it encodes it as text), so TinyStories' separators are removed for it; js-tiktoken does, and
// that is checked separately. Their regex uses JavaScript's `\s`, so U+0085 and U+FEFF are kept out
// of the random strings (see hf-npm-oracle.test.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { getEncoding } from 'js-tiktoken';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer } from '../../src/tokenizer/bpe.ts';
import { parseTokenizerJson, serializeTokenizerJson } from '../../src/tokenizer/hf-json.ts';
import { bpeModelFromTiktoken } from '../../src/tokenizer/tiktoken.ts';
import { dataPath, SPACE_DEFINITION_DIFFERS, TINYSTORIES, WIKI_VALID } from './helpers.ts';

const t = suite('GPT-2 r50k_base oracle');

const ranksFile = createRequire(import.meta.url).resolve('gpt-tokenizer/data/r50k_base.tiktoken');
const gpt2Json = serializeTokenizerJson(bpeModelFromTiktoken(readFileSync(ranksFile, 'utf8'), { '<|endoftext|>': 50256 }));
const ours = new BpeTokenizer(parseTokenizerJson(gpt2Json));
const tiktoken = getEncoding('r50k_base');

const wiki = readFileSync(dataPath(WIKI_VALID), 'utf8').slice(0, 300_000);
const stories = readFileSync(dataPath(TINYSTORIES), 'utf8').slice(0, 300_000).replaceAll('<|endoftext|>', '\n');

t('the converted vocabulary is GPT-2\'s: 50,257 ids, 50,000 merges, known encoding', () => {
  assert.is(ours.vocabSize, 50257);
  assert.is(parseTokenizerJson(gpt2Json).merges.length, 50000);
  assert.equal(ours.encode('Hello world, once upon a time!'), [15496, 995, 11, 1752, 2402, 257, 640, 0]);
});

t('same ids as gpt-tokenizer and js-tiktoken on WikiText and TinyStories text', () => {
  for (const [name, text] of [['WikiText', wiki], ['TinyStories', stories]]) {
    const ids = ours.encode(text);
    assert.equal(ids, gptTokenizerEncode(text), `${name}: gpt-tokenizer`);
    assert.equal(ids, tiktoken.encode(text), `${name}: js-tiktoken`);
  }
});

t('<|endoftext|> is one token, as js-tiktoken gives it with specials allowed', () => {
  const text = 'The end.<|endoftext|>Once upon a time';
  assert.equal(ours.encode(text), tiktoken.encode(text, 'all'));
  assert.ok(ours.encode(text).includes(50256));
});

t('same ids as gpt-tokenizer on random Unicode strings', () => {
  const pieces = fc.array(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 16 }),
    fc.string({ unit: fc.constantFrom(' ', '  ', '\n', 'a', 'The', "'", "'s", 'll', '1', '2024', '!?', 'é', '中', '😀', '\t'), maxLength: 10 }),
  ), { maxLength: 5 });
  fc.assert(fc.property(pieces, (parts) => {
    const text = parts.join('').replace(SPACE_DEFINITION_DIFFERS, '');
    assert.equal(ours.encode(text), gptTokenizerEncode(text), JSON.stringify(text));
  }), { numRuns: 3000 });
});

t('@huggingface/tokenizers (npm) loading our GPT-2 tokenizer.json gives the same ids', () => {
  const theirs = new Tokenizer(JSON.parse(gpt2Json), {});
  const sample = wiki.slice(0, 60_000) + stories.slice(0, 60_000);
  assert.equal(theirs.encode(sample).ids, ours.encode(sample));
});

t('decoding GPT-2 ids gives the text back', () => {
  assert.is(ours.decode(ours.encode(wiki)), wiki);
  assert.is(ours.decode(tiktoken.encode(stories)), stories);
});

t.run();
