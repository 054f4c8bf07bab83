// Streaming a corpus as documents, and fingerprinting it, without holding it in memory.
//
// Trainers take documents one at a time (an Iterable or AsyncIterable of strings). For files on
// disk, `readDocuments` cuts the byte stream into documents on a separator, as it arrives. The rule,
// shared with scripts/make-tokenizer-fixture.py so both trainers see the same documents: split on
// the separator, strip ASCII whitespace (space \t \n \r \f \v) from both ends, skip empty ones.
// This reproduces the Hugging Face rows of TinyStories from its .txt form (separator
// `<|endoftext|>`); the default separator, a newline, makes each line a document.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A stream of documents (strings), synchronous or asynchronous. */
export type Documents = Iterable<string> | AsyncIterable<string>;

const ASCII_SPACE_AT_ENDS = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/** The document rule above applied to one piece of text: its stripped form, or null if empty. */
export function cleanDocument(text: string): string | null {
  const doc = text.replace(ASCII_SPACE_AT_ENDS, '');
  return doc.length > 0 ? doc : null;
}

/** Splits in-memory text into documents (for tests and small inputs). */
export function splitDocuments(text: string, separator = '\n'): string[] {
  return text.split(separator).map(cleanDocument).filter((d): d is string => d !== null);
}

/** Reads files in order as one stream of documents; a document never spans two files. */
export async function* readDocuments(paths: readonly string[], separator = '\n'): AsyncGenerator<string> {
  if (separator.length === 0) throw new Error('separator: must not be empty (use "\\n" for one document per line)');
  for (const path of paths) {
    let pending = '';
    // The stream decodes UTF-8 itself, so a character split across two chunks arrives whole.
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      // `pending` holds no whole separator, so the first one can start at most separator.length - 1
      // characters before its old end: a long document is scanned once, not once per chunk.
      const searchFrom = Math.max(0, pending.length - separator.length + 1);
      pending += chunk as string;
      let start = 0;
      for (let at = pending.indexOf(separator, searchFrom); at >= 0; at = pending.indexOf(separator, start)) {
        const doc = cleanDocument(pending.slice(start, at));
        if (doc !== null) yield doc;
        start = at + separator.length;
      }
      pending = pending.slice(start);
    }
    const last = cleanDocument(pending);
    if (last !== null) yield last;
  }
}

/** SHA-256 of the files' contents, in order (names and dates do not count), streamed. */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const all = createHash('sha256');
  for (const path of paths) {
    const one = createHash('sha256');
    for await (const chunk of createReadStream(path)) one.update(chunk as Buffer);
    all.update(one.digest('hex'));
  }
  return all.digest('hex');
}
