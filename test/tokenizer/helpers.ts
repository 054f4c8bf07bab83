// Shared by the tokenizer tests: where the fixtures and the shared corpora are.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpeTokenizer } from '../../src/tokenizer/bpe.ts';
import { parseTokenizerJson } from '../../src/tokenizer/hf-json.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizer/', import.meta.url));
const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export function fixturePath(name: string): string {
  return FIXTURES + name;
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A corpus file from the project's shared data folder (../shared/data, beside the repo). */
export function dataPath(relative: string): string {
  const path = SHARED_DATA + relative;
  if (!existsSync(path)) throw new Error(`test corpus ${path} is missing: these tests read the shared corpora in ../shared/data (see its README.md)`);
  return path;
}

export const TINYSTORIES = 'tinystories/TinyStories-train.first2316.txt';
export const WIKI_TRAIN = 'wikitext-2-raw/wiki.train.prefix-58articles.txt';
export const WIKI_VALID = 'wikitext-2-raw/wiki.valid.raw';

/** Our tokenizer loaded from a Python-trained fixture. */
export function fixtureTokenizer(name: string): BpeTokenizer {
  return new BpeTokenizer(parseTokenizerJson(readFixture(name)));
}

/** Characters whose class differs between Oniguruma's `\s` (HF Python, us) and JavaScript's (npm peers). */
export const SPACE_DEFINITION_DIFFERS = /[\u0085\ufeff]/g;

const ENDS_WITH_SPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/**
 * Word boundaries of `text` where it can be cut into two documents without changing any word:
 * those not right after whitespace. (After whitespace, "a\n\nb" splits as "a", "\n", "\n", "b",
 * but "a\n\n" alone keeps its "\n\n" run whole.) Documents are trimmed, so no document ends there.
 */
export function safeCuts(words: readonly string[]): number[] {
  const cuts = [0];
  words.forEach((w, i) => { if (!ENDS_WITH_SPACE.test(w)) cuts.push(i + 1); });
  return cuts;
}
