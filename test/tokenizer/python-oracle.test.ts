// Oracle: the Python `tokenizers` library (0.23.2), which trained the original i3 tokenizer.
// scripts/make-tokenizer-fixture.py trained it on the same documents and settings and recorded its
// tokenizer.json files and the ids it gives for sample texts; ours must match exactly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BpeTokenizer } from '../../src/tokenizer/bpe.ts';
import { readDocuments } from '../../src/tokenizer/documents.ts';
import { serializeTokenizerJson } from '../../src/tokenizer/hf-json.ts';
import { trainBpe } from '../../src/tokenizer/train.ts';
import { dataPath, fixtureTokenizer, readFixture, TINYSTORIES, WIKI_TRAIN } from './helpers.ts';

const t = suite('python tokenizers oracle');

t('training on TinyStories (vocab 8000, no seeded alphabet, the i3 settings) gives Python\'s tokenizer.json byte for byte', async () => {
  const model = await trainBpe(readDocuments([dataPath(TINYSTORIES)], '<|endoftext|>'), { vocabSize: 8000, seedAlphabet: false });
  assert.is(model.vocab.size, 8000);
  assert.ok(serializeTokenizerJson(model) === readFixture('bpe-tinystories-8000.json'), 'vocab or merges differ from the Python fixture');
});

t('training on WikiText with the byte alphabet seeded and min_frequency 40 gives Python\'s tokenizer.json', async () => {
  const model = await trainBpe(readDocuments([dataPath(WIKI_TRAIN)]), { vocabSize: 30000, minFrequency: 40, seedAlphabet: true });
  assert.ok(model.vocab.size < 30000, 'min_frequency should stop training before the vocab size');
  assert.ok(serializeTokenizerJson(model) === readFixture('bpe-wikitext-seeded.json'), 'vocab or merges differ from the Python fixture');
});

t('200 tiny random corpora (many count ties) give Python\'s vocab and merges', async () => {
  const { tokenizers, cases } = JSON.parse(readFixture('bpe-tiny-cases.json'));
  assert.is(tokenizers, '0.23.2');
  assert.is(cases.length, 200);
  for (const [i, c] of cases.entries()) {
    const model = await trainBpe(c.docs, { vocabSize: c.vocab_size, minFrequency: c.min_frequency, seedAlphabet: false });
    assert.equal(Object.fromEntries(model.vocab), c.vocab, `case ${i}: vocab`);
    assert.equal(model.merges, c.merges, `case ${i}: merges`);
  }
});

t('300 tiny corpora with specials such as "ab" that merges re-create give Python\'s vocab, merges and ids', async () => {
  const { cases } = JSON.parse(readFixture('bpe-tiny-special-cases.json'));
  let reused = 0;
  for (const [i, c] of cases.entries()) {
    const model = await trainBpe(c.docs, { vocabSize: c.vocab_size, minFrequency: c.min_frequency, seedAlphabet: false, specialTokens: c.special_tokens });
    assert.equal(Object.fromEntries(model.vocab), c.vocab, `case ${i}: vocab`);
    assert.equal(model.merges, c.merges, `case ${i}: merges`);
    const tokenizer = new BpeTokenizer(model);
    c.encodings.texts.forEach((text: string, k: number) => assert.equal(tokenizer.encode(text), c.encodings.ids[k], `case ${i}: ${text}`));
    if (model.merges.some(([a, b]) => c.special_tokens.includes(a + b))) reused++;
  }
  assert.ok(reused > 100, `only ${reused} cases have a merge that re-creates a special token`);
});

t('encoding gives Python\'s ids on WikiText, TinyStories, awkward strings and random Unicode, under both tokenizers', () => {
  const { texts, ids } = JSON.parse(readFixture('bpe-python-encodings.json'));
  assert.ok(texts.length > 300);
  const tokenizers: Record<string, BpeTokenizer> = {
    'tinystories-8000': fixtureTokenizer('bpe-tinystories-8000.json'),
    'wikitext-seeded': fixtureTokenizer('bpe-wikitext-seeded.json'),
  };
  for (const [name, tokenizer] of Object.entries(tokenizers)) {
    texts.forEach((text: string, i: number) => {
      assert.equal(tokenizer.encode(text), ids[name][i], `${name}, text ${i}: ${JSON.stringify(text.slice(0, 40))}`);
    });
  }
});

t('the fixture exercises what it is meant to: unseen bytes, U+FEFF, specials inside text', () => {
  const { texts } = JSON.parse(readFixture('bpe-python-encodings.json'));
  const all = texts.join('');
  assert.ok(all.includes('@'), 'WikiText text has @, which TinyStories never shows');
  assert.ok(all.includes('\ufeff') && all.includes('\u0085'));
  assert.ok(texts.includes('a<EOS>b<BOS>'));
});

t.run();
