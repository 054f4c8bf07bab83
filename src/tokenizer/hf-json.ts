// Reading and writing Hugging Face `tokenizer.json` for byte-level BPE.
//
// The format is the serialisation of HF `tokenizers`' `Tokenizer` (tokenizer/serialization.rs,
// models/bpe/serialization.rs). We support exactly the pipeline the i3 tokenizer uses (spec §4.5)
// and GPT-2's: no normalizer, a ByteLevel pre-tokenizer without prefix space and with the GPT-2
// regex, a BPE model, a ByteLevel decoder (or none), and no post-processor other than ByteLevel
// (which changes offsets, never ids). Anything else is refused with the field named, rather than
// silently encoded differently. `model.merges` is read in both encodings HF has used: "a b"
// strings (up to 0.19) and ["a", "b"] pairs (0.20 on, which can hold tokens with spaces); we write
// pairs. Our output is laid out as HF's `save()` lays it out, so files diff cleanly against theirs.

import type { AddedToken, BpeModel } from './bpe.ts';

type Json = Record<string, unknown>;

function fail(field: string, problem: string, fix = ''): never {
  throw new Error(`tokenizer.json: ${field} ${problem}${fix ? `; ${fix}` : ''}`);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (!isObject(value)) fail(`${path}${key}`, value === undefined ? 'is missing' : `is ${describe(value)}, not an object`);
  return value;
}

function checkId(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 0) fail(field, `is ${describe(value)}, not a non-negative integer id`);
  return value as number;
}

/** Refuses a pipeline step we would not reproduce. `allowed` lists the types accepted; null = absent. */
function checkStep(json: Json, key: string, allowed: Array<string | null>, fix: string): Json | null {
  const step = json[key] ?? null;
  if (step === null) {
    if (!allowed.includes(null)) fail(key, 'is null', fix);
    return null;
  }
  if (!isObject(step)) fail(key, `is ${describe(step)}, not an object or null`);
  if (!allowed.includes(step.type as string)) fail(`${key}.type`, `is ${describe(step.type)}, which this tokenizer does not implement`, fix);
  return step;
}

/** Parses tokenizer.json text (a string) or its already-parsed object into a model. */
export function parseTokenizerJson(input: unknown): BpeModel {
  let json: unknown = input;
  if (typeof input === 'string') {
    try { json = JSON.parse(input); } catch (err) {
      fail('text', `is not valid JSON (${(err as Error).message})`, 'the file may be truncated; re-create or re-download it');
    }
  }
  if (!isObject(json)) fail('top level', `is ${describe(json)}, not an object`);

  checkStep(json, 'normalizer', [null], 'only byte-level BPE without normalization is supported');
  const pre = checkStep(json, 'pre_tokenizer', ['ByteLevel'], 'only the ByteLevel pre-tokenizer is supported');
  if (pre !== null && pre.add_prefix_space === true) fail('pre_tokenizer.add_prefix_space', 'is true', 'only false (the i3 and GPT-2 setting) is supported');
  if (pre !== null && pre.use_regex === false) fail('pre_tokenizer.use_regex', 'is false', 'only the GPT-2 regex split is supported');
  checkStep(json, 'post_processor', [null, 'ByteLevel'], 'post-processors that add tokens are not supported; add BOS/EOS yourself');
  checkStep(json, 'decoder', [null, 'ByteLevel'], 'only the ByteLevel decoder is supported');

  const model = objectField(json, 'model', '');
  if (model.type !== undefined && model.type !== 'BPE') fail('model.type', `is ${describe(model.type)}`, 'only "BPE" is supported');
  // GPT-2's file has "" for the two affixes, which means the same as null.
  for (const key of ['dropout', 'continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    const value = model[key] ?? null;
    if (value !== null && !(key !== 'dropout' && value === '')) fail(`model.${key}`, `is ${describe(value)}`, 'only null is supported');
  }
  for (const key of ['byte_fallback', 'ignore_merges'] as const) {
    if (model[key] === true) fail(`model.${key}`, 'is true', 'only false is supported');
  }
  const unk = model.unk_token ?? null;
  if (unk !== null && typeof unk !== 'string') fail('model.unk_token', `is ${describe(unk)}, not a string or null`);

  const vocabJson = objectField(model, 'vocab', 'model.');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(vocabJson)) vocab.set(token, checkId(id, `model.vocab[${describe(token)}]`));

  const mergesJson = model.merges;
  if (!Array.isArray(mergesJson)) fail('model.merges', mergesJson === undefined ? 'is missing' : `is ${describe(mergesJson)}, not an array`);
  const merges = mergesJson.map((m, i): [string, string] => {
    const field = `model.merges[${i}]`;
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') fail(field, `is ${describe(m)}, not "a b" (two tokens, one space)`);
      return [parts[0], parts[1]];
    }
    if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== 'string' || typeof m[1] !== 'string') {
      fail(field, `is ${describe(m)}, not "a b" or ["a", "b"]`);
    }
    return [m[0], m[1]];
  });

  const addedJson = json.added_tokens ?? [];
  if (!Array.isArray(addedJson)) fail('added_tokens', `is ${describe(addedJson)}, not an array`);
  const addedTokens: AddedToken[] = addedJson.map((t, i) => {
    const field = `added_tokens[${i}]`;
    if (!isObject(t)) fail(field, `is ${describe(t)}, not an object`);
    if (typeof t.content !== 'string' || t.content === '') fail(`${field}.content`, `is ${describe(t.content)}, not a non-empty string`);
    if (t.normalized === true && json.normalizer !== null) fail(`${field}.normalized`, 'is true', 'only un-normalized added tokens are supported');
    for (const key of ['lstrip', 'rstrip', 'single_word'] as const) {
      if (t[key] === true) fail(`${field}.${key}`, 'is true', 'only false is supported');
    }
    if (t.special === false) fail(`${field}.special`, 'is false', 'only special added tokens are supported');
    return { id: checkId(t.id, `${field}.id`), content: t.content };
  });
  return { vocab, merges, addedTokens, unkToken: unk };
}

const VOCAB_SLOT = '<vocab written separately>';

/** tokenizer.json text for a model, laid out as HF's `Tokenizer.save()` writes it. */
export function serializeTokenizerJson(model: BpeModel, options: { mergesAs?: 'pairs' | 'strings' } = {}): string {
  const byLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  // The vocab is written by hand: a JS object would put integer-like keys ("0".."9") first,
  // while HF writes the vocab in id order.
  const entries = [...model.vocab].sort((x, y) => x[1] - y[1]);
  const vocabText = entries.length === 0 ? '{}'
    : `{\n${entries.map(([token, id]) => `      ${JSON.stringify(token)}: ${id}`).join(',\n')}\n    }`;
  const merges = options.mergesAs === 'strings'
    ? model.merges.map(([a, b]) => {
      if (a.includes(' ') || b.includes(' ')) throw new Error(`merges: (${describe(a)}, ${describe(b)}) holds a space, which "a b" strings cannot encode; use mergesAs: 'pairs'`);
      return `${a} ${b}`;
    })
    : model.merges;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...model.addedTokens].sort((x, y) => x.id - y.id).map(({ id, content }) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byLevel },
    post_processor: null,
    // HF's ByteLevel decoder stores add_prefix_space true by default; it has no effect on decoding.
    decoder: { type: 'ByteLevel', ...byLevel, add_prefix_space: true },
    model: {
      type: 'BPE', dropout: null, unk_token: model.unkToken, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: VOCAB_SLOT, merges,
    },
  };
  return JSON.stringify(json, null, 2).replace(`"${VOCAB_SLOT}"`, () => vocabText);
}
