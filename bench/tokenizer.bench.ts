// Tokenizer speed (issue 4 goals): BPE training time, and encoding MB/s beside the JavaScript peers
// on the same text and the same vocabulary, in one process.
//  - Training: an 8,000-token vocabulary from the 2 MB TinyStories sample (i3 settings: specials,
//    no seeded alphabet), streamed from the file; goal <= 10 s. Best of 3.
//  - Encoding with GPT-2's vocabulary (r50k_base), which every peer ships: ours (loaded from the
//    tokenizer.json we convert it to) vs gpt-tokenizer, js-tiktoken and @huggingface/tokenizers
//    (loading the same tokenizer.json). Goal: at least as fast as the fastest pure-JS peer.
//    "warm": every encoder has encoded the text once, so word caches are full (the steady state of
//    encoding a large corpus); best of a few runs. "cold": ours freshly built, gpt-tokenizer's merge
//    cache cleared, so every word is merged from bytes.
//  - Encoding with the TinyStories vocabulary trained above: ours vs @huggingface/tokenizers, the
//    only peer that loads an arbitrary tokenizer.json.
// Every peer's ids are checked equal to ours first, so the figures compare the same work.
// gpt-tokenizer does not recognise <|endoftext|> for r50k_base, so TinyStories' separators are
// replaced by blank lines for the GPT-2 runs. Run: npm run bench -- tokenizer
import { Bench } from 'tinybench';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { clearMergeCache, encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { getEncoding } from 'js-tiktoken';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer } from '../src/tokenizer/bpe.ts';
import { readDocuments } from '../src/tokenizer/documents.ts';
import { parseTokenizerJson, serializeTokenizerJson } from '../src/tokenizer/hf-json.ts';
import { bpeModelFromTiktoken } from '../src/tokenizer/tiktoken.ts';
import { trainBpe } from '../src/tokenizer/train.ts';
import type { BenchResult } from './result.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const TINYSTORIES = `${DATA}tinystories/TinyStories-train.first2316.txt`;
const WIKITEXT = `${DATA}wikitext-2-raw/wiki.valid.raw`;

/** Best latency in ms of `fn` over `iterations` runs, measured by tinybench; `reset` runs untimed before each. */
async function bestMs(name: string, iterations: number, fn: () => unknown, reset?: () => void): Promise<number> {
  const bench = new Bench({ name, iterations, time: 0, warmup: false, throws: true });
  bench.add(name, fn, reset ? { beforeEach: reset } : {});
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`bench ${name}: ${result.state}`);
  return result.latency.min;
}

const round = (x: number): number => Math.round(x * 100) / 100;
const mbPerS = (text: string, ms: number): number => round(Buffer.byteLength(text) / 1e6 / (ms / 1000));

function sameIds(name: string, ours: number[], theirs: number[]): void {
  if (ours.length !== theirs.length || ours.some((id, i) => id !== theirs[i])) throw new Error(`${name}: ids differ from ours, so speeds would not be comparable`);
}

interface Encoder { name: string; encode: (text: string) => number[]; iterations: number }

/** Warm MB/s of ours and of each peer on `text`, as results with ratios to each peer. */
async function encodeSpeeds(label: string, text: string, ours: Encoder, peers: Encoder[]): Promise<BenchResult[]> {
  const expected = ours.encode(text); // also warms our cache
  const oursMs = await bestMs(`ours ${label}`, ours.iterations, () => ours.encode(text));
  const results: BenchResult[] = [];
  for (const peer of peers) {
    sameIds(`${peer.name} on ${label}`, expected, peer.encode(text)); // also warms its cache
    const peerMs = await bestMs(`${peer.name} ${label}`, peer.iterations, () => peer.encode(text));
    const value = mbPerS(text, oursMs), peerValue = mbPerS(text, peerMs);
    results.push({ name: `encode ${label}, warm`, metric: 'MB/s', value, peer: peer.name, peerValue, ratio: round(value / peerValue) });
  }
  return results;
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // Training.
  let trained = '';
  const trainMs = await bestMs('train', 3, async () => {
    trained = serializeTokenizerJson(await trainBpe(readDocuments([TINYSTORIES], '<|endoftext|>'), { vocabSize: 8000, seedAlphabet: false }));
  });
  results.push({ name: 'train BPE, vocab 8000, TinyStories 2.1 MB (goal <= 10 s)', metric: 's', value: round(trainMs / 1000) });

  // GPT-2 vocabulary, all peers.
  const ranks = readFileSync(createRequire(import.meta.url).resolve('gpt-tokenizer/data/r50k_base.tiktoken'), 'utf8');
  const gpt2Json = serializeTokenizerJson(bpeModelFromTiktoken(ranks, { '<|endoftext|>': 50256 }));
  const gpt2 = new BpeTokenizer(parseTokenizerJson(gpt2Json));
  const tiktoken = getEncoding('r50k_base');
  const hfGpt2 = new Tokenizer(JSON.parse(gpt2Json), {});
  const peers: Encoder[] = [
    { name: 'gpt-tokenizer 4', encode: (s) => gptTokenizerEncode(s), iterations: 5 },
    { name: 'js-tiktoken 1', encode: (s) => tiktoken.encode(s), iterations: 3 },
    { name: '@huggingface/tokenizers 0.2', encode: (s) => hfGpt2.encode(s).ids, iterations: 2 },
  ];
  const stories = readFileSync(TINYSTORIES, 'utf8').slice(0, 1_000_000).replaceAll('<|endoftext|>', '\n');
  const wiki = readFileSync(WIKITEXT, 'utf8');
  for (const [label, text] of [['TinyStories 1 MB, GPT-2 vocab', stories], ['WikiText-2 valid 1.1 MB, GPT-2 vocab', wiki]]) {
    results.push(...await encodeSpeeds(label, text, { name: 'ours', encode: (s) => gpt2.encode(s), iterations: 5 }, peers));
    let fresh = gpt2;
    const oursCold = await bestMs(`ours cold ${label}`, 3, () => fresh.encode(text), () => { fresh = new BpeTokenizer(gpt2.model); });
    const peerCold = await bestMs(`gpt-tokenizer cold ${label}`, 3, () => gptTokenizerEncode(text), clearMergeCache);
    const value = mbPerS(text, oursCold), peerValue = mbPerS(text, peerCold);
    results.push({ name: `encode ${label}, cold`, metric: 'MB/s', value, peer: 'gpt-tokenizer 4', peerValue, ratio: round(value / peerValue) });
  }

  // The vocabulary trained above (i3 settings), on the rest of TinyStories.
  const ours = new BpeTokenizer(parseTokenizerJson(trained));
  const hf = new Tokenizer(JSON.parse(trained), {});
  const heldOut = readFileSync(TINYSTORIES, 'utf8').slice(1_000_000);
  results.push(...await encodeSpeeds('TinyStories 1.1 MB, trained vocab 8000', heldOut,
    { name: 'ours', encode: (s) => ours.encode(s), iterations: 5 },
    [{ name: '@huggingface/tokenizers 0.2', encode: (s) => hf.encode(s).ids, iterations: 2 }]));
  return results;
}
