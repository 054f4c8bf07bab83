import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTokenizerJson } from '../../src/tokenizer/hf-json.ts';

const t = suite('i3 tokenizer (command line)');
const I3 = fileURLToPath(new URL('../../bin/i3.js', import.meta.url));
/** Runs `i3 tokenizer ...` and returns its stdout; a non-zero exit throws (with `stderr`). */
const i3 = (args: string[], input?: string): string =>
  execFileSync(process.execPath, [I3, 'tokenizer', ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
let dir = '';
t.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'i3-tokenizer-cli-')); });
t.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

t('--help lists train, encode and decode', () => {
  const stdout = i3(['--help']);
  for (const word of ['train', 'encode', 'decode', '--vocab-size', '--kind bpe|chunk']) assert.ok(stdout.includes(word), word);
});

t('train writes a tokenizer.json, encode and decode round-trip through it', () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'The cat sat.<|endoftext|>The dog ran.<|endoftext|>');
  const output = join(dir, 'tok.json');
  i3(['train', '--vocab-size', '270', '--separator', '<|endoftext|>', '--cache-dir', join(dir, 'cache'), '--output', output, corpus]);
  assert.is(parseTokenizerJson(readFileSync(output, 'utf8')).vocab.size, 270);
  const ids = i3(['encode', '--tokenizer', output, 'The cat ran.<EOS>']).trim();
  assert.match(ids, /^\d+( \d+)* 3$/);
  assert.is(i3(['decode', '--tokenizer', output], ids), 'The cat ran.<EOS>\n');
});

t('a bad id is a clear error with a non-zero exit', () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'abc\n');
  const output = join(dir, 'chunk.json');
  i3(['train', '--kind', 'chunk', '--cache-dir', join(dir, 'cache'), '--output', output, corpus]);
  let message = '';
  try { i3(['decode', '--tokenizer', output, '1', '99']); } catch (err) { message = String((err as { stderr: string }).stderr); }
  assert.match(message, /ids\[1\] = 99 is not a chunk id .*--unknown-ids unk/);
});

t.run();
