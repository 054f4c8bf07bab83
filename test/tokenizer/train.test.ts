import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { preTokenize } from '../../src/tokenizer/pretokenize.ts';
import { countWords, trainBpe, trainBpeFromCounts } from '../../src/tokenizer/train.ts';
import type { Progress } from '../../src/tokenizer/progress.ts';
import { safeCuts } from './helpers.ts';

const t = suite('BPE trainer');
const plain = { specialTokens: [] as string[], seedAlphabet: false };

t('HF\'s own trainer test (trainer.rs test_train): min_frequency 2 gives exactly re, are, is', () => {
  const counts = new Map(Object.entries({ roses: 1, are: 2, red: 1, voilets: 1, blue: 1, BERT: 1, is: 2, big: 1, and: 1, so: 1, 'GPT-2': 1 }));
  const model = trainBpeFromCounts(counts, { vocabSize: 30000, minFrequency: 2, ...plain });
  const alphabet = '-2BEGPRTabdegilnorstuv'.split('');
  assert.equal([...model.vocab.keys()], [...alphabet, 're', 'are', 'is']);
  assert.equal([...model.vocab.values()], [...Array(25).keys()]);
  assert.equal(model.merges, [['r', 'e'], ['a', 're'], ['i', 's']]);
});

t('worked example: equal counts go to the smaller (id_a, id_b) pair', () => {
  // Words "ab" and "ba" once each: pairs (a,b) = (0,1) and (b,a) = (1,0) both count 1.
  const model = trainBpeFromCounts(new Map([['ab', 1], ['ba', 1]]), { vocabSize: 3, ...plain });
  assert.equal(model.merges, [['a', 'b']]);
  // With "ba" twice the count decides instead.
  const model2 = trainBpeFromCounts(new Map([['ab', 1], ['ba', 2]]), { vocabSize: 3, ...plain });
  assert.equal(model2.merges, [['b', 'a']]);
  // Ties are on ids, not strings: specials shift ids but "z" (id 2 here) still precedes by id.
  const model3 = trainBpeFromCounts(new Map([['zy', 1], ['yz', 1]]), { vocabSize: 3, ...plain });
  assert.equal(model3.merges, [['y', 'z']], 'y has the smaller id (code-point order)');
});

t('worked example: overlapping pairs merge left to right, and counts follow the words', () => {
  // "aaaa" x1: (a,a) occurs 3 times; merging gives "aa aa", whose (aa,aa) pair merges next.
  const model = trainBpeFromCounts(new Map([['aaaa', 1]]), { vocabSize: 10, ...plain });
  assert.equal(model.merges, [['a', 'a'], ['aa', 'aa']]);
});

t('specials come first in the given order, then the alphabet by code point (seeded: all 256 bytes)', async () => {
  const model = await trainBpe(['hi there'], { vocabSize: 1, specialTokens: ['<X>', '<A>'], seedAlphabet: false });
  assert.equal([...model.vocab.keys()], ['<X>', '<A>', 'e', 'h', 'i', 'r', 't', 'Ġ'], 'never fewer than specials + alphabet');
  assert.equal(model.addedTokens, [{ content: '<X>', id: 0 }, { content: '<A>', id: 1 }]);
  const seeded = await trainBpe(['hi'], { vocabSize: 300 });
  assert.is(seeded.vocab.get('<EOS>'), 3);
  assert.is(seeded.vocab.get('!'), 4);
  assert.is(seeded.vocab.size, 4 + 256 + 1, 'only one merge possible: h+i');
});

t('min_frequency stops training early; vocab_size stops it otherwise', async () => {
  const docs = ['aa aa aa bb bb cc'];
  const stopped = await trainBpe(docs, { vocabSize: 100, minFrequency: 3, ...plain });
  // (a,a) occurs 3 times ("aa" once, " aa" twice); the next best, (Ġ,aa), only twice.
  assert.equal(stopped.merges, [['a', 'a']]);
  const capped = await trainBpe(docs, { vocabSize: 5, ...plain });
  assert.is(capped.vocab.size, 5);
});

t('streams documents from an async iterable and reports progress', async () => {
  async function* docs(): AsyncGenerator<string> { for (let i = 0; i < 2500; i++) yield `story ${i % 7} of ${i}`; }
  const seen: Progress[] = [];
  const model = await trainBpe(docs(), { vocabSize: 400, onProgress: (p) => seen.push(p) });
  assert.is(model.vocab.size, 400);
  assert.equal(seen.filter((p) => p.stage === 'count words').map((p) => p.done), [1000, 2000, 2500]);
  const last = seen.at(-1)!;
  assert.equal([last.stage, last.done, last.total], ['merges', 400 - 4 - 256, 400 - 4 - 256]);
});

t('training is insensitive to how the text is cut into documents (at word boundaries not after whitespace)', async () => {
  const words = fc.constantFrom('the', ' cat', ' sat', ' on', ' the', ' mat', '.', '\n', ' a', 'aa', ' 12', '!!');
  await fc.assert(fc.asyncProperty(fc.array(words, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }), async (parts, cuts) => {
    const text = parts.join('');
    const pieces = preTokenize(text);
    const safe = safeCuts(pieces);
    const bounds = [...new Set(cuts.map((c) => safe[c % safe.length]))].sort((x, y) => x - y);
    const docs = [0, ...bounds].map((start, i) => pieces.slice(start, [...bounds, pieces.length][i]).join(''));
    const whole = await trainBpe([text], { vocabSize: 290 });
    const cut = await trainBpe(docs, { vocabSize: 290 });
    assert.equal(cut, whole);
  }), { numRuns: 60 });
});

t('word counting counts pre-tokens across documents', async () => {
  assert.equal(Object.fromEntries(await countWords(['a b', 'b a', ' b'])), { a: 1, ' b': 2, b: 1, ' a': 1 });
});

t('bad settings are errors naming the setting', async () => {
  const message = await trainBpe([], { vocabSize: 0 }).then(() => 'no error', (err: Error) => err.message);
  assert.match(message, /vocabSize: 0 is not an integer in 1\.\./);
  assert.throws(() => trainBpeFromCounts(new Map(), { vocabSize: 2.5 }), /vocabSize: 2.5 is not an integer/);
  assert.throws(() => trainBpeFromCounts(new Map(), { vocabSize: 10, minFrequency: -1 }), /minFrequency: -1/);
  assert.throws(() => trainBpeFromCounts(new Map(), { vocabSize: 10, specialTokens: [''] }), /specialTokens\[0\]/);
});

t.run();
