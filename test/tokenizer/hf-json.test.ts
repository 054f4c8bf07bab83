import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BpeTokenizer } from '../../src/tokenizer/bpe.ts';
import { parseTokenizerJson, serializeTokenizerJson } from '../../src/tokenizer/hf-json.ts';
import { readFixture } from './helpers.ts';

const t = suite('tokenizer.json');
const python = readFixture('bpe-tinystories-8000.json');

t('reading and writing a file Python tokenizers saved reproduces it byte for byte', () => {
  for (const name of ['bpe-tinystories-8000.json', 'bpe-wikitext-seeded.json']) {
    const text = readFixture(name);
    assert.ok(serializeTokenizerJson(parseTokenizerJson(text)) === text, name);
  }
});

t('merges as "a b" strings (tokenizers <= 0.19) read the same as ["a", "b"] pairs', () => {
  const pairs = parseTokenizerJson(python);
  const legacy = parseTokenizerJson(serializeTokenizerJson(pairs, { mergesAs: 'strings' }));
  assert.equal(legacy, pairs);
  assert.ok(serializeTokenizerJson(pairs, { mergesAs: 'strings' }).includes('"Ġ t"'));
});

t('the i3 layout: four specials with ids 0..3, ByteLevel without prefix space, no post-processor', () => {
  const json = JSON.parse(serializeTokenizerJson(parseTokenizerJson(python)));
  assert.equal(json.added_tokens.map((a: { id: number; content: string; special: boolean }) => [a.id, a.content, a.special]),
    [[0, '<UNK>', true], [1, '<PAD>', true], [2, '<BOS>', true], [3, '<EOS>', true]]);
  assert.equal(json.pre_tokenizer, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });
  assert.is(json.post_processor, null);
});

const broken = (edit: (json: any) => void): string => {
  const json = JSON.parse(python);
  edit(json);
  return JSON.stringify(json);
};

t('a truncated or malformed file is an error naming the field and the fix', () => {
  const cases: Array<[string, RegExp]> = [
    [python.slice(0, python.length / 2), /not valid JSON .*may be truncated/],
    ['[]', /top level is \[\], not an object/],
    [broken((j) => { delete j.model.vocab; }), /model\.vocab is missing/],
    [broken((j) => { j.model.vocab.the = 'x'; }), /model\.vocab\["the"\] is "x", not a non-negative integer id/],
    [broken((j) => { j.model.merges = {}; }), /model\.merges is \{\}, not an array/],
    [broken((j) => { j.model.merges[5] = 'onlyone'; }), /model\.merges\[5\] is "onlyone", not "a b"/],
    [broken((j) => { j.model.merges[7] = ['a', 2]; }), /model\.merges\[7\] is \["a",2\], not "a b" or \["a", "b"\]/],
    [broken((j) => { j.model.type = 'WordPiece'; }), /model\.type is "WordPiece"; only "BPE" is supported/],
    [broken((j) => { j.model.dropout = 0.1; }), /model\.dropout is 0\.1; only null is supported/],
    [broken((j) => { j.pre_tokenizer.add_prefix_space = true; }), /pre_tokenizer\.add_prefix_space is true; only false/],
    [broken((j) => { j.pre_tokenizer = { type: 'Whitespace' }; }), /pre_tokenizer\.type is "Whitespace", which this tokenizer does not implement/],
    [broken((j) => { j.normalizer = { type: 'NFC' }; }), /normalizer\.type is "NFC"/],
    [broken((j) => { j.post_processor = { type: 'TemplateProcessing' }; }), /post_processor\.type .*add BOS\/EOS yourself/],
    [broken((j) => { j.added_tokens[2].id = -4; }), /added_tokens\[2\]\.id is -4/],
    [broken((j) => { j.added_tokens[0].lstrip = true; }), /added_tokens\[0\]\.lstrip is true/],
    [broken((j) => { j.added_tokens[1].special = false; }), /added_tokens\[1\]\.special is false/],
  ];
  for (const [text, message] of cases) assert.throws(() => new BpeTokenizer(parseTokenizerJson(text)), message, String(message));
});

t('merges that refer to tokens missing from the vocab are refused, naming the merge', () => {
  const text = broken((j) => { delete j.model.vocab['Ġt']; });
  assert.throws(() => new BpeTokenizer(parseTokenizerJson(text)), /merges\[1\] \("Ġ", "t"\): "Ġt" is not in the vocab/);
});

t('GPT-2 style files (empty affix strings, ByteLevel post-processor) are accepted', () => {
  const text = broken((j) => { j.model.continuing_subword_prefix = ''; j.model.end_of_word_suffix = ''; j.post_processor = { type: 'ByteLevel' }; });
  assert.is(new BpeTokenizer(parseTokenizerJson(text)).vocabSize, 8000);
});

t.run();
