// `i3 tokenizer train|encode|decode`: build a tokenizer from text files (cached), and use one.
// The library is src/tokenizer/; this file only parses arguments and prints.

import { copyFile, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  BpeTokenizer, buildBpeTokenizer, buildChunkTokenizer, ChunkTokenizer, parseTokenizerJson, type Progress,
} from '../tokenizer/index.ts';
import type { Command } from './main.ts';

const USAGE = `usage:
  i3 tokenizer train --output FILE [options] INPUT...
      --kind bpe|chunk        byte-level BPE (i3-200M, default) or chunk tokenizer (i3-80M)
      --vocab-size N          BPE: vocabulary size including specials and alphabet (default 32000)
      --min-frequency N       BPE: stop when the best pair occurs fewer times (default 0)
      --no-seed-alphabet      BPE: only bytes seen in training, as the original i3 (drops unseen bytes)
      --max-samples N         chunk: count only the first N documents
      --separator S           document separator (default "\\n"; \\n and \\t are understood),
                              e.g. '<|endoftext|>' for the TinyStories .txt
      --cache-dir DIR         built tokenizers are kept here and reused (default .cache/tokenizers)
  i3 tokenizer encode --tokenizer FILE [TEXT... | --input FILE]   prints ids (stdin if no text)
  i3 tokenizer decode --tokenizer FILE [ID...] [--unknown-ids error|unk]   prints text (stdin if no ids)

The tokenizer kind of FILE is recognised from its content (tokenizer.json or chunk JSON).`;

function nonNegativeInt(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: '${value}' is not a non-negative integer`);
  return n;
}

/** Progress on stderr: one line rewritten in a terminal, a line every few seconds otherwise. */
function progressPrinter(): (p: Progress) => void {
  let lastLine = 0;
  return ({ stage, done, total }) => {
    const finished = total !== undefined && done === total;
    const now = Date.now();
    if (!finished && !process.stderr.isTTY && now - lastLine < 2000) return;
    lastLine = now;
    const text = `${stage}: ${done}${total !== undefined ? ` / ${total}` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K${finished ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  };
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function loadTokenizer(path: string | undefined): Promise<BpeTokenizer | ChunkTokenizer> {
  if (!path) throw new Error('--tokenizer FILE is required');
  const text = await readFile(path, 'utf8');
  return /"chunk_to_idx"\s*:/.test(text.slice(0, 200)) ? ChunkTokenizer.fromJson(text) : new BpeTokenizer(parseTokenizerJson(text));
}

async function train(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: {
      kind: { type: 'string', default: 'bpe' }, output: { type: 'string' }, 'vocab-size': { type: 'string' },
      'min-frequency': { type: 'string' }, 'no-seed-alphabet': { type: 'boolean', default: false },
      'max-samples': { type: 'string' }, separator: { type: 'string', default: '\\n' },
      'cache-dir': { type: 'string', default: '.cache/tokenizers' },
    },
  });
  if (positionals.length === 0) throw new Error('no INPUT files given');
  if (!values.output) throw new Error('--output FILE is required');
  const corpus = {
    inputs: positionals, cacheDir: values['cache-dir']!, onProgress: progressPrinter(),
    separator: values.separator!.replace(/\\n/g, '\n').replace(/\\t/g, '\t'),
  };
  const started = performance.now();
  let built;
  if (values.kind === 'bpe') {
    built = await buildBpeTokenizer({
      ...corpus, vocabSize: nonNegativeInt(values['vocab-size'], '--vocab-size', 32000)!,
      minFrequency: nonNegativeInt(values['min-frequency'], '--min-frequency', 0), seedAlphabet: !values['no-seed-alphabet'],
    });
  } else if (values.kind === 'chunk') {
    built = await buildChunkTokenizer({ ...corpus, maxSamples: nonNegativeInt(values['max-samples'], '--max-samples', undefined) });
  } else {
    throw new Error(`--kind: '${values.kind}' is not bpe or chunk`);
  }
  await copyFile(built.path, values.output);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.error(`${built.reused ? 'reused cached' : 'built'} ${values.kind} tokenizer (${built.tokenizer.vocabSize} tokens) in ${seconds} s: ${values.output} (cache: ${built.path})`);
}

async function encode(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { tokenizer: { type: 'string' }, input: { type: 'string' } } });
  const tokenizer = await loadTokenizer(values.tokenizer);
  const text = values.input ? await readFile(values.input, 'utf8') : positionals.length > 0 ? positionals.join(' ') : await readStdin();
  console.log(tokenizer.encode(text).join(' '));
}

async function decode(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { tokenizer: { type: 'string' }, 'unknown-ids': { type: 'string', default: 'error' } },
  });
  const unknownIds = values['unknown-ids'];
  if (unknownIds !== 'error' && unknownIds !== 'unk') throw new Error(`--unknown-ids: '${unknownIds}' is not error or unk`);
  const tokenizer = await loadTokenizer(values.tokenizer);
  const words = positionals.length > 0 ? positionals : (await readStdin()).split(/[\s,[\]]+/).filter((w) => w !== '');
  const ids = words.map((w) => {
    const id = Number(w);
    if (!Number.isInteger(id) || id < 0) throw new Error(`id '${w}' is not a non-negative integer`);
    return id;
  });
  process.stdout.write(tokenizer.decode(ids, { unknownIds }) + '\n');
}

/** `i3 tokenizer`. */
export const tokenizerCommand: Command = {
  summary: 'train (cached), encode and decode the BPE and chunk tokenizers',
  async run(args: string[]): Promise<void> {
    const [sub, ...rest] = args;
    if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
      console.log(USAGE);
      return;
    }
    if (sub === 'train') await train(rest);
    else if (sub === 'encode') await encode(rest);
    else if (sub === 'decode') await decode(rest);
    else throw new Error(`unknown subcommand '${sub}'.\n\n${USAGE}`);
  },
};
