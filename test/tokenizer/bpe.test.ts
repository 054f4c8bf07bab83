import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { BpeTokenizer, type BpeModel } from '../../src/tokenizer/bpe.ts';
import { preTokenize } from '../../src/tokenizer/pretokenize.ts';
import { fixtureTokenizer, safeCuts } from './helpers.ts';

const t = suite('byte-level BPE encode/decode');

// A hand-made model: ids a=0 b=1 c=2 ab=3 bc=4 abc=5 aa=6 [UNK]=7, special <EOS>=8.
function handModel(unkToken: string | null = null): BpeModel {
  const vocab = new Map(['a', 'b', 'c', 'ab', 'bc', 'abc', 'aa', '[UNK]'].map((token, id) => [token, id]));
  return { vocab, merges: [['b', 'c'], ['a', 'b'], ['a', 'bc'], ['a', 'a']], addedTokens: [{ id: 8, content: '<EOS>' }], unkToken };
}

t('merges apply by rank, leftmost first among equal ranks, without overlap', () => {
  const tok = new BpeTokenizer(handModel());
  assert.equal(tok.encode('abc'), [5], 'b+c (rank 0) before a+b (rank 1), then a+bc');
  assert.equal(tok.encode('abab'), [3, 3]);
  assert.equal(tok.encode('aaa'), [6, 0], 'leftmost a+a first');
  assert.equal(tok.encode('ab abc'), [3, 5], 'the space byte is not in this vocabulary, so it is dropped');
});

t('a byte outside the vocabulary is dropped before merging (Python tokenizers), or becomes the unk token', () => {
  assert.equal(new BpeTokenizer(handModel()).encode('aXb'), [3], 'dropped, then a+b merge');
  assert.equal(new BpeTokenizer(handModel('[UNK]')).encode('aXb'), [0, 7, 1]);
});

t('special tokens are never split and decode to their content, or to nothing when skipped', () => {
  const tok = new BpeTokenizer(handModel());
  assert.equal(tok.encode('ab<EOS>ab'), [3, 8, 3]);
  assert.is(tok.decode([3, 8, 5]), 'ab<EOS>abc');
  assert.is(tok.decode([3, 8, 5], { skipSpecialTokens: true }), 'ababc');
});

t('ids outside the vocabulary are an error naming the position, or <UNK> when asked', () => {
  const tok = fixtureTokenizer('bpe-wikitext-seeded.json');
  assert.throws(() => tok.decode([5, 99999]), /ids\[1\] = 99999 is not a token id \(vocabulary size 2054\)/);
  assert.throws(() => tok.decode([-1]), /ids\[0\] = -1/);
  assert.throws(() => tok.decode([1.5]), /ids\[0\] = 1.5/);
  assert.is(tok.decode([tok.encode('a')[0], 99999], { unknownIds: 'unk' }), 'a<UNK>');
  assert.throws(() => new BpeTokenizer(handModel()).decode([42], { unknownIds: 'unk' }), /has no unk token/);
});

t('bytes that are not valid UTF-8 decode to U+FFFD, as HF\'s ByteLevel decoder does', () => {
  const tok = fixtureTokenizer('bpe-wikitext-seeded.json');
  const firstByteOfE4B8AD = tok.tokenToId('ä')!; // 0xE4, the first byte of 中
  assert.is(tok.decode([firstByteOfE4B8AD]), '\ufffd');
  assert.is(tok.decode([...tok.encode('x'), firstByteOfE4B8AD, ...tok.encode('y')]), 'x\ufffdy');
});

const wellFormed = (s: string): string => s.replace(/\p{Cs}/gu, '\ufffd');
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(' ', 'the', 'e\u0301', '👩‍👩‍👧', '漢字', '\ud83d', '\n', "'s", '1', '<EOS>', '<'), maxLength: 12 }));

t('with the byte alphabet seeded, decode(encode(s)) is s (lone surrogates become U+FFFD, as TextEncoder does)', () => {
  const tok = fixtureTokenizer('bpe-wikitext-seeded.json');
  fc.assert(fc.property(anyText, (s) => { assert.is(tok.decode(tok.encode(s)), wellFormed(s)); }), { numRuns: 3000 });
  assert.is(tok.decode(tok.encode('a\ud800b')), 'a\ufffdb');
});

t('encoding is deterministic: a fresh tokenizer and one with a warm cache agree', () => {
  const warm = fixtureTokenizer('bpe-wikitext-seeded.json');
  fc.assert(fc.property(anyText, (s) => {
    const fresh = fixtureTokenizer('bpe-wikitext-seeded.json');
    assert.equal(warm.encode(s), fresh.encode(s));
    assert.equal(warm.encode(s), warm.encode(s));
  }), { numRuns: 100 });
});

t('encoding is insensitive to how text is cut into documents (at word boundaries not after whitespace)', () => {
  const tok = fixtureTokenizer('bpe-wikitext-seeded.json');
  const spacey = fc.string({ unit: fc.constantFrom(' ', '\n', '\n\n', 'a', 'b1', '!', 'é'), maxLength: 20 });
  fc.assert(fc.property(fc.oneof(anyText, spacey), fc.nat(), (s, pick) => {
    const words = preTokenize(s.replaceAll('<EOS>', ''));
    const cuts = safeCuts(words);
    const k = cuts[pick % cuts.length];
    const [left, right] = [words.slice(0, k).join(''), words.slice(k).join('')];
    assert.equal(tok.encode(left + right), [...tok.encode(left), ...tok.encode(right)]);
  }), { numRuns: 2000 });
});

t('specials are atomic: text, <EOS>, text encodes as the parts around id 3', () => {
  const tok = fixtureTokenizer('bpe-wikitext-seeded.json');
  fc.assert(fc.property(anyText, anyText, (a, b) => {
    const [x, y] = [a.replaceAll('<EOS>', ''), b.replaceAll('<EOS>', '')];
    assert.equal(tok.encode(`${x}<EOS>${y}`), [...tok.encode(x), 3, ...tok.encode(y)]);
  }), { numRuns: 1000 });
});

t('a model whose merge makes a token missing from the vocab is refused, naming the merge', () => {
  const model = handModel();
  model.merges.push(['c', 'c']);
  assert.throws(() => new BpeTokenizer(model), /merges\[4\] \("c", "c"\): "cc" is not in the vocab/);
});

t.run();
