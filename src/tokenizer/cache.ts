// "Build once, reuse": a directory of built tokenizers keyed by what they were built from.
//
// The original i3 scripts cached by path alone (load tokenizer.json if it exists, else train and
// save it there), so a changed corpus or vocab size silently reused a stale file. Here the key is a
// SHA-256 of the kind of tokenizer, its settings and the corpus' content fingerprint, so a second
// run with the same inputs reuses the file and any change builds a new one. Entries are written to
// a temporary name and renamed, so an interrupted build never leaves a truncated entry behind.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprintFiles } from './documents.ts';

/** Bump when a builder's output changes for the same inputs, to retire old entries. */
const CACHE_VERSION = 1;

/** What identifies a cached build: the folder, the kind, the settings and the input files. */
export interface CacheRequest {
  /** Cache directory (created if missing). */
  dir: string;
  /** What is built, e.g. 'bpe' or 'chunk'; also the file name's prefix. */
  kind: string;
  /** Every setting that changes the result (flat JSON values). */
  settings: Record<string, unknown>;
  /** The corpus files, in order. */
  inputs: readonly string[];
}

/** The cache key: hex SHA-256 of kind, settings and the inputs' content. */
export async function cacheKey({ kind, settings, inputs }: CacheRequest): Promise<string> {
  const corpus = await fingerprintFiles(inputs);
  const canonical = JSON.stringify({ v: CACHE_VERSION, kind, settings, corpus }, ['v', 'kind', 'settings', 'corpus', ...Object.keys(settings).sort()]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The cached text for the request, built (and stored) by `build` only if not there yet. */
export async function buildOnce(request: CacheRequest, build: () => Promise<string>):
  Promise<{ text: string; path: string; reused: boolean }> {
  const path = join(request.dir, `${request.kind}-${(await cacheKey(request)).slice(0, 24)}.json`);
  try {
    return { text: await readFile(path, 'utf8'), path, reused: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = await build();
  await mkdir(request.dir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
  return { text, path, reused: false };
}
