// Reading the i3 card's four corpora as documents, streamed line by line (a multi-GB file is never
// held in memory: node's readline reads it in 64 KB chunks). Each reader yields cleaned documents
// (tokenizer/documents.ts: ASCII whitespace stripped from both ends, empty ones skipped).
//   tinystories  TinyStories .txt: stories separated by a line `<|endoftext|>` (the original V1 file)
//   jsonl        JSON lines with a string field (default `text`): TinyStories and the HF exports
//   tinychat     TinyChat: one conversation a line, `[INST] … [/INST] …`, kept verbatim
//   sentences    agentlans/high-quality-english-sentences: one sentence a line
//   wikitext     WikiText raw: articles start at a top-level heading ` = Title = `; sub-headings
//                (` = = Section = = `) stay inside the article; the raw files' blank ` ` lines go

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { cleanDocument } from '../tokenizer/documents.ts';

/** The document formats the readers understand (see the list at the top of this file). */
export const FORMATS = ['tinystories', 'jsonl', 'tinychat', 'sentences', 'wikitext'] as const;
/** One of FORMATS. */
export type Format = (typeof FORMATS)[number];

/** The lines of a file, without their line endings (LF or CRLF), streamed. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  yield* lines;
}

const WIKI_TITLE = /^ = [^=].* = $/;
const STORY_END = '<|endoftext|>';

/** The documents of one file in the given format. `field`: the JSON-lines field holding the text. */
export async function* readFormat(path: string, format: Format, field = 'text'): AsyncGenerator<string> {
  if (format === 'jsonl') {
    let n = 0;
    for await (const line of readLines(path)) {
      n++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = (JSON.parse(line) as Record<string, unknown>)[field];
      } catch (err) {
        throw new Error(`${path}:${n}: not valid JSON (${(err as Error).message}); is this file JSON lines? Otherwise pass its format (tinystories, tinychat, sentences, wikitext)`);
      }
      if (typeof value !== 'string') throw new Error(`${path}:${n}: field '${field}' is missing or not a string; name the text field with field=NAME`);
      const doc = cleanDocument(value);
      if (doc !== null) yield doc;
    }
    return;
  }
  if (format === 'tinychat' || format === 'sentences') {
    for await (const line of readLines(path)) {
      const doc = cleanDocument(line);
      if (doc !== null) yield doc;
    }
    return;
  }
  // Multi-line documents: collect lines until the format's boundary.
  let lines: string[] = [];
  const flush = () => {
    const doc = cleanDocument(lines.join('\n'));
    lines = [];
    return doc;
  };
  for await (const line of readLines(path)) {
    if (format === 'tinystories' && line.trim() === STORY_END) {
      const doc = flush();
      if (doc !== null) yield doc;
    } else if (format === 'wikitext' && WIKI_TITLE.test(line)) {
      const doc = flush();
      if (doc !== null) yield doc;
      lines.push(line.trim());
    } else if (format === 'wikitext') {
      if (line.trim() !== '') lines.push(line.trim());
    } else {
      lines.push(line);
    }
  }
  const last = flush();
  if (last !== null) yield last;
}

/** The format a file name suggests, or null: *.jsonl, *.raw / wiki*, *tinychat*, *sentences*, *tinystories*.txt. */
export function guessFormat(path: string): Format | null {
  const name = path.toLowerCase().split(/[\\/]/).pop()!;
  if (name.endsWith('.jsonl') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.raw') || name.includes('wiki')) return 'wikitext';
  if (name.includes('tinychat')) return 'tinychat';
  if (name.includes('sentences')) return 'sentences';
  if (name.includes('tinystories')) return 'tinystories';
  return null;
}
