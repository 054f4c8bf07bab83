// The data pipeline on small fixtures: each format's documents, streaming (a document arrives before
// its file ends), weighted mixing, <EOS> after every document, the split, windows and determinism.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  loadCorpus, mixDocuments, parseDataSpec, RandomWindows, readFormat, SequentialWindows, type Format,
} from '../../src/data/index.ts';

const t = suite('data');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));
const all = async (docs: AsyncIterable<string>) => { const out: string[] = []; for await (const d of docs) out.push(d); return out; };
const read = (name: string, format: Format) => all(readFormat(fixture(name), format));
async function* list(items: string[]) { yield* items; }

t('tinystories .txt: stories split on <|endoftext|> lines, paragraphs kept, leading blank line stripped', async () => {
  assert.equal(await read('tinystories-sample.txt', 'tinystories'), [
    'Once upon a time there was a cat.\nThe cat was happy.', 'Tom had a red ball.', 'The end of the last story without a marker.',
  ]);
});

t('JSON lines: the text field, stripped, empty ones and blank lines skipped; bad lines name file and line', async () => {
  assert.equal(await read('tinystories-sample.jsonl', 'jsonl'), ['Lily saw a bird.', 'The sun was hot.']);
  const error = await all(readFormat(fixture('tinychat-sample.txt'), 'jsonl')).catch((e: Error) => e.message);
  assert.match(String(error), /tinychat-sample\.txt:1: not valid JSON/);
});

t('TinyChat and sentences: one document a line (CRLF too)', async () => {
  assert.equal(await read('tinychat-sample.txt', 'tinychat'), [
    '[INST] hi, how are you? [/INST] I am fine, thank you!', '[INST] tell me a joke [/INST] Why did the chicken cross the road?',
  ]);
  assert.equal(await read('sentences-sample.txt', 'sentences'), ['The committee approved the new budget.', 'Birds migrate south in the winter.']);
});

t('WikiText raw: one article per top-level heading, sub-headings inside, blank lines dropped', async () => {
  assert.equal(await read('wiki.sample.raw', 'wikitext'), [
    '= Valkyria Chronicles =\nSenjo no Valkyria is a game .\n= = Gameplay = =\nIt is tactical .', '= Tower Building =\nThe tower is tall .',
  ]);
});

t('streaming: the first story arrives while the rest of the file has not been written yet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'i3-data-'));
  const fifo = join(dir, 'pipe.txt');
  execFileSync('mkfifo', [fifo]);
  const writer = createWriteStream(fifo);
  writer.write('first story\n<|endoftext|>\n');
  const docs = readFormat(fifo, 'tinystories');
  const first = await Promise.race([docs.next(), new Promise((r) => setTimeout(() => r('timed out: the reader waited for the whole file'), 3000))]);
  writer.end('second story\n');
  assert.equal(first, { value: 'first story', done: false });
  assert.equal(await all(docs), ['second story']);
  rmSync(dir, { recursive: true });
});

t('mixing: every document once, order fixed by the seed, proportions follow the weights', async () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}`), b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
  const mix = (seed: number) => all(mixDocuments([{ documents: list(a), weight: 3 }, { documents: list(b), weight: 1 }], seed));
  const m1 = await mix(7);
  assert.equal(m1, await mix(7));
  assert.not.equal(m1, await mix(8));
  assert.equal([...m1].sort(), [...a, ...b].sort());
  const firstThousandA = m1.slice(0, 1000).filter((d) => d.startsWith('a')).length;
  assert.ok(firstThousandA > 700 && firstThousandA < 800, `3:1 weights gave ${firstThousandA} of 1000 from a`);
  // within a source the order is kept
  assert.equal(m1.filter((d) => d.startsWith('b')), b);
});

t('parseDataSpec: format guessed from the name or given, weights, clear errors', () => {
  assert.equal(parseDataSpec('x/TinyStories-train.txt'), { path: 'x/TinyStories-train.txt', format: 'tinystories', weight: 1 });
  assert.equal(parseDataSpec('a.jsonl,weight=2.5,field=content'), { path: 'a.jsonl', format: 'jsonl', weight: 2.5, field: 'content' });
  assert.equal(parseDataSpec('wiki.valid.raw').format, 'wikitext');
  assert.throws(() => parseDataSpec('corpus.txt'), /cannot tell the format.*format=F/);
  assert.throws(() => parseDataSpec('a.txt,format=csv'), /unknown format 'csv'/);
  assert.throws(() => parseDataSpec('a.jsonl,weight=0'), /weight must be a number > 0/);
});

// A stand-in tokenizer: one id per character code, so the expected streams can be written by hand.
const encode = (s: string) => [...s].map((c) => c.charCodeAt(0));
const EOS = 3;

t('loadCorpus: <EOS> after each document, a seeded document-level split, maxTokens', async () => {
  const specs = [parseDataSpec(fixture('tinychat-sample.txt')), parseDataSpec(fixture('sentences-sample.txt'))];
  const whole = await loadCorpus(specs, { encode, eosId: EOS, validationFraction: 0 });
  assert.is(whole.documents.train, 4);
  const docs = await all(mixDocuments(specs.map((s) => ({ documents: readFormat(s.path, s.format), weight: 1 })), 0));
  assert.equal([...whole.train], docs.flatMap((d) => [...encode(d), EOS]));
  const split = await loadCorpus(specs, { encode, eosId: EOS, validationFraction: 0.5, seed: 3 });
  assert.is(split.documents.train + split.documents.validation, 4);
  assert.is(split.train.length + split.validation.length, whole.train.length);
  assert.equal(split, await loadCorpus(specs, { encode, eosId: EOS, validationFraction: 0.5, seed: 3 }));
  const capped = await loadCorpus(specs, { encode, eosId: EOS, validationFraction: 0, maxTokens: 10 });
  assert.is(capped.documents.train, 1);
});

const tokens = Int32Array.from({ length: 50 }, (_, i) => i);

t('RandomWindows: y is x shifted by one, starts in [0, N − T − 1), a pure function of (seed, k)', () => {
  const w = new RandomWindows(tokens, 4, 8, 1);
  const seen = new Set<number>();
  for (let k = 0; k < 200; k++) {
    const { x, y } = w.batch(k);
    for (let b = 0; b < 4; b++) {
      const s = x[b * 8];
      seen.add(s);
      assert.ok(s >= 0 && s < 50 - 8 - 1, `start ${s}`);
      for (let i = 0; i < 8; i++) { assert.is(x[b * 8 + i], s + i); assert.is(y[b * 8 + i], s + i + 1); }
    }
  }
  assert.is(seen.size, 41, 'every start in [0, 41) is drawn');
  assert.equal(w.batch(17), new RandomWindows(tokens, 4, 8, 1).batch(17));
  assert.not.equal(w.batch(17), new RandomWindows(tokens, 4, 8, 2).batch(17));
});

t('SequentialWindows: non-overlapping windows in order, wrapping into the next epoch', () => {
  const w = new SequentialWindows(tokens, 2, 10); // (50 − 1) / 10 → 4 windows per epoch
  assert.is(w.windows, 4);
  const starts = [0, 1, 2].map((k) => Array.from(w.batch(k).x.filter((_, i) => i % 10 === 0)));
  assert.equal(starts, [[0, 10], [20, 30], [0, 10]]);
  assert.equal([w.epochOf(1), w.epochOf(2)], [0, 1]);
  assert.equal(Array.from(w.batch(1).y.subarray(10, 20)), Array.from({ length: 10 }, (_, i) => 31 + i));
  assert.throws(() => new SequentialWindows(new Int32Array(5), 1, 8), /5 tokens are too few for windows of T\+1 = 9/);
});

t.run();
