import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BYTE_TO_CHAR, byteLevelAlphabet, fromByteLevel, toByteLevel } from '../../src/tokenizer/bytes.ts';

const t = suite('byte-level alphabet');

t('256 distinct one-character strings; printable bytes show as themselves; space is Ġ, newline Ċ', () => {
  assert.is(new Set(BYTE_TO_CHAR).size, 256);
  assert.ok(BYTE_TO_CHAR.every((c) => c.length === 1));
  assert.is(BYTE_TO_CHAR[0x41], 'A');
  assert.is(BYTE_TO_CHAR[0xe9], 'é');
  assert.is(BYTE_TO_CHAR[0x20], 'Ġ');
  assert.is(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.is(BYTE_TO_CHAR[0x00], 'Ā');
});

t('GPT-2\'s vocabulary (r50k_base, from gpt-tokenizer) lists the single bytes in the map\'s order', () => {
  // GPT-2 numbered the 256 byte tokens in the order bytes_to_unicode lists them: printable bytes
  // first, then the rest. Our characters' code points give that order back.
  const path = createRequire(import.meta.url).resolve('gpt-tokenizer/data/r50k_base.tiktoken');
  const singles = readFileSync(path, 'utf8').split('\n').slice(0, 256).map((line) => {
    const [b64, rank] = line.split(' ');
    return { byte: Buffer.from(b64, 'base64')[0], rank: Number(rank) };
  });
  const order = [...Array(256).keys()].sort((a, b) => {
    const printable = (x: number): boolean => BYTE_TO_CHAR[x].charCodeAt(0) === x;
    return Number(printable(b)) - Number(printable(a)) || a - b;
  });
  for (const { byte, rank } of singles) assert.is(order[rank], byte, `rank ${rank}`);
});

t('the seeded alphabet is all 256 characters in code-point order', () => {
  const alphabet = byteLevelAlphabet();
  assert.is(alphabet.length, 256);
  assert.is(alphabet[0], '!');
  assert.is(alphabet.at(-1), String.fromCharCode(256 + 67));
});

t('toByteLevel and fromByteLevel are inverse on UTF-8; outside characters give null', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
    const back = fromByteLevel(toByteLevel(s));
    assert.is(new TextDecoder().decode(back!), s);
  }));
  assert.is(fromByteLevel('a\u4e2d'), null);
});

t.run();
