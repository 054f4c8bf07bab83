import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBpeTokenizer, buildChunkTokenizer } from '../../src/tokenizer/build.ts';
import { buildOnce } from '../../src/tokenizer/cache.ts';
import { fingerprintFiles, readDocuments, splitDocuments } from '../../src/tokenizer/documents.ts';
import { parseTokenizerJson } from '../../src/tokenizer/hf-json.ts';
import { dataPath, TINYSTORIES } from './helpers.ts';

const t = suite('documents and the build cache');
let dir = '';
t.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'i3-tokenizer-test-')); });
t.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

async function collect(docs: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of docs) out.push(d);
  return out;
}

t('streaming TinyStories (2 MB, read 1 MiB at a time) gives the same 2316 stories as splitting it whole', async () => {
  const path = dataPath(TINYSTORIES);
  const streamed = await collect(readDocuments([path], '<|endoftext|>'));
  assert.is(streamed.length, 2316);
  assert.equal(streamed, splitDocuments(readFileSync(path, 'utf8'), '<|endoftext|>'));
  assert.ok(streamed[0].startsWith('One day, a little girl named Lily'));
});

t('a separator or a multi-byte character split across read chunks is reassembled', async () => {
  const path = join(dir, 'edge.txt');
  // The separator spans bytes 2^20-5 .. 2^20+8; the second é spans bytes 2^21-1 .. 2^21.
  const text = `${'a'.repeat(2 ** 20 - 5)}<|endoftext|>é${'b'.repeat(2 ** 20 - 11)}é\n<|endoftext|>  \n<|endoftext|>last`;
  writeFileSync(path, text);
  assert.equal(await collect(readDocuments([path], '<|endoftext|>')), splitDocuments(text, '<|endoftext|>'));
  assert.is((await collect(readDocuments([path, path], '<|endoftext|>'))).length, 6, 'files never share a document; empty ones are skipped');
});

t('the corpus fingerprint depends on content, not on file names', async () => {
  const [a, b, c] = ['a.txt', 'b.txt', 'c.txt'].map((n) => join(dir, n));
  writeFileSync(a, 'same text'); writeFileSync(b, 'same text'); writeFileSync(c, 'other text');
  assert.is(await fingerprintFiles([a]), await fingerprintFiles([b]));
  assert.is.not(await fingerprintFiles([a]), await fingerprintFiles([c]));
  assert.is.not(await fingerprintFiles([a, c]), await fingerprintFiles([c, a]));
});

t('buildOnce builds once, reuses after, and rebuilds when settings or content change', async () => {
  const input = join(dir, 'corpus.txt');
  writeFileSync(input, 'one\ntwo');
  let builds = 0;
  const build = async (): Promise<string> => `built ${++builds}`;
  const request = { dir: join(dir, 'cache'), kind: 'test', settings: { size: 1 }, inputs: [input] };
  const first = await buildOnce(request, build);
  const second = await buildOnce(request, build);
  assert.equal([first.reused, second.reused, second.text, second.path], [false, true, 'built 1', first.path]);
  assert.is((await buildOnce({ ...request, settings: { size: 2 } }, build)).text, 'built 2');
  writeFileSync(input, 'one\nthree');
  assert.is((await buildOnce(request, build)).text, 'built 3');
});

t('buildBpeTokenizer and buildChunkTokenizer train once, then reuse the cached file', async () => {
  const input = join(dir, 'corpus.txt');
  writeFileSync(input, 'the cat sat on the mat\nthe dog sat on the log\n');
  const request = { inputs: [input], cacheDir: join(dir, 'cache'), vocabSize: 270 };
  const first = await buildBpeTokenizer(request);
  const second = await buildBpeTokenizer(request);
  assert.equal([first.reused, second.reused], [false, true]);
  assert.equal(second.tokenizer.encode('the cat'), first.tokenizer.encode('the cat'));
  assert.is(parseTokenizerJson(readFileSync(second.path, 'utf8')).vocab.size, 270);
  assert.is((await buildBpeTokenizer({ ...request, vocabSize: 271 })).reused, false);
  const chunk1 = await buildChunkTokenizer({ inputs: [input], cacheDir: join(dir, 'cache') });
  const chunk2 = await buildChunkTokenizer({ inputs: [input], cacheDir: join(dir, 'cache') });
  assert.equal([chunk1.reused, chunk2.reused, chunk2.tokenizer.chunks], [false, true, chunk1.tokenizer.chunks]);
});

t.run();
