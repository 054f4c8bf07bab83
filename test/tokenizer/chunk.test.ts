import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ChunkTokenizer, chunkText } from '../../src/tokenizer/chunk.ts';
import type { Progress } from '../../src/tokenizer/progress.ts';

const t = suite('i3-80M chunk tokenizer (spec §3.9)');

t('chunking, worked by hand from the rules', () => {
  // "hello world": he | llo (a space follows) | " w" | or | ld (no rule applies to " wo", "orl").
  assert.equal(chunkText('Hello World'), ['he', 'llo', ' w', 'or', 'ld']);
  // "the" is one of the 28 trigrams; " en" has no space before or after it.
  assert.equal(chunkText('The end'), ['the', ' e', 'nd']);
  // A space before p: after "a " the chunk at p=2 is "cat".
  assert.equal(chunkText('a cat'), ['a ', 'cat']);
  // The last chunk is cut short; 3 characters with no rule give 2 + 1.
  assert.equal(chunkText('xyz'), ['xy', 'z']);
  assert.equal(chunkText('x'), ['x']);
  assert.equal(chunkText(''), []);
  // Characters are code points: an emoji is one character, as in Python.
  assert.equal(chunkText('😀😀😀 '), ['😀😀😀', ' ']);
});

t('each of the 28 trigrams is taken whole where no other rule applies', () => {
  const trigrams = 'the and ing ion tio for tha ter hat his ere ent her was you are not but can all whi one our out whe hav thi wit'.split(' ');
  assert.is(trigrams.length, 28);
  for (const tri of trigrams) assert.equal(chunkText(`${tri}qq`), [tri, 'qq'], tri);
  assert.equal(chunkText('xyzqq'), ['xy', 'zq', 'q']);
});

t('chunks always rebuild the lower-cased text, and are 1 to 3 code points', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
    const chunks = chunkText(s);
    assert.is(chunks.join(''), s.toLowerCase());
    assert.ok(chunks.every((c) => { const n = Array.from(c).length; return n >= 1 && n <= 3; }));
  }));
});

t('vocabulary: <UNK> = 0, then chunks by descending count, ties by code point; no cap', async () => {
  // Chunks: "ab", "ab", "zz", "ab", "b", "zz", "\u{10000}", "\uffff" -> ab:3, zz:2, then ties of 1 sorted by code point.
  const tok = await ChunkTokenizer.build(['abab', 'zzab', 'b', 'zz', '\u{10000}', '\uffff']);
  assert.equal(tok.chunks, ['<UNK>', 'ab', 'zz', 'b', '\uffff', '\u{10000}']);
});

t('encode falls back to the longest known prefix, then to <UNK> advancing one character', async () => {
  const tok = new ChunkTokenizer(['<UNK>', 'he', 'l', 'lo', ' w', 'or', 'd']);
  // he | "llo" (a space follows) unknown, "ll" unknown, "l" | then from p=3: "lo" | " w" | "or" |
  // "ld" unknown, "l" | "d".
  assert.equal(tok.encode('hello world'), [1, 2, 3, 4, 5, 2, 6]);
  assert.is(tok.decode(tok.encode('hello world')), 'hello world');
  // "qh" and "q" are unknown: <UNK>, advance one character, and chunk again from "he".
  assert.equal(tok.encode('qhe'), [0, 1]);
  assert.equal(tok.encode('HE'), [1], 'lower-cased first');
});

t('decode: unknown ids are an error naming the position, or "<UNK>" when asked (the original always did that)', () => {
  const tok = new ChunkTokenizer(['<UNK>', 'ab']);
  assert.is(tok.decode([1, 0, 1]), 'ab<UNK>ab');
  assert.throws(() => tok.decode([1, 7]), /ids\[1\] = 7 is not a chunk id \(vocabulary size 2\)/);
  assert.is(tok.decode([1, 7], { unknownIds: 'unk' }), 'ab<UNK>');
});

t('a vocabulary built from text encodes that text losslessly (lower-cased)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 5 }), async (docs) => {
    const tok = await ChunkTokenizer.build(docs);
    for (const doc of docs) {
      assert.ok(!tok.encode(doc).includes(0));
      assert.is(tok.decode(tok.encode(doc)), doc.toLowerCase());
    }
  }), { numRuns: 200 });
});

t('building streams documents, honours maxSamples and reports progress every 1000 texts', async () => {
  async function* docs(): AsyncGenerator<string> { for (let i = 0; i < 2500; i++) yield i < 1200 ? 'aaaa' : 'zzzz'; }
  const seen: Progress[] = [];
  const tok = await ChunkTokenizer.build(docs(), { maxSamples: 1200, onProgress: (p) => seen.push(p) });
  assert.equal(tok.chunks, ['<UNK>', 'aa']);
  assert.equal(seen.map((p) => p.done), [1000, 1200]);
});

t('the original JSON format round-trips, and broken files are errors naming the field', async () => {
  const tok = await ChunkTokenizer.build(['the cat sat on the mat', 'a 12 b']);
  const json = JSON.parse(tok.toJson());
  assert.equal(Object.keys(json), ['chunk_to_idx', 'idx_to_chunk', 'vocab_size', 'unk_token', 'unk_idx']);
  assert.equal([json.unk_token, json.unk_idx, json.vocab_size, json.chunk_to_idx['<UNK>'], json.idx_to_chunk['0']], ['<UNK>', 0, tok.vocabSize, 0, '<UNK>']);
  assert.equal(ChunkTokenizer.fromJson(tok.toJson()).chunks, tok.chunks);
  const text = tok.toJson();
  const edit = (f: (j: any) => void): string => { const j = JSON.parse(text); f(j); return JSON.stringify(j); };
  assert.throws(() => ChunkTokenizer.fromJson(text.slice(0, 40)), /not valid JSON/);
  assert.throws(() => ChunkTokenizer.fromJson(edit((j) => { j.vocab_size = 3; })), /vocab_size is 3 but chunk_to_idx has/);
  assert.throws(() => ChunkTokenizer.fromJson(edit((j) => { j.idx_to_chunk['2'] = 'zz'; })), /idx_to_chunk\["2"\] is "zz"/);
  assert.throws(() => ChunkTokenizer.fromJson(edit((j) => { j.chunk_to_idx.the = 1.5; })), /chunk_to_idx\["the"\] is 1.5/);
  assert.throws(() => ChunkTokenizer.fromJson(edit((j) => { j.unk_idx = 3; })), /unk_idx is 3, expected 0/);
});

t.run();
