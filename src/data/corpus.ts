// From data specs to token arrays: read every source (formats.ts), mix them (mix.ts), encode each
// document followed by <EOS> (spec §4.5: the i3-200M data stream), and send each document to the
// training or the validation set by a seeded draw, so the split is fixed by the seed and no
// document is in both. Tokens live in growable Int32Arrays (4 bytes a token); `maxTokens` caps the
// training set for corpora larger than memory, as the original's 100k-token buffer did (§4.6).

import { guessFormat, readFormat, FORMATS, type Format } from './formats.ts';
import { mixDocuments } from './mix.ts';
import { seededGenerator } from './seeded.ts';

/** One `--data` source: a file, how to read it (formats.ts), and its weight in the mix. */
export interface DataSpec {
  path: string;
  format: Format;
  weight: number;
  /** JSON lines: the field holding the text (default 'text'). */
  field?: string;
}

/**
 * Parses `PATH[,format=F][,weight=W][,field=NAME]`. Without format=, it is guessed from the name
 * (formats.ts); a name that says nothing is an error asking for format=.
 */
export function parseDataSpec(text: string): DataSpec {
  const [path, ...options] = text.split(',');
  const spec: Partial<DataSpec> = { path, weight: 1 };
  for (const option of options) {
    const [key, value] = option.split('=');
    if (key === 'format') {
      if (!(FORMATS as readonly string[]).includes(value)) throw new Error(`data '${text}': unknown format '${value}' (expected ${FORMATS.join(', ')})`);
      spec.format = value as Format;
    } else if (key === 'weight') {
      spec.weight = Number(value);
      if (!(spec.weight > 0)) throw new Error(`data '${text}': weight must be a number > 0, got '${value}'`);
    } else if (key === 'field') spec.field = value;
    else throw new Error(`data '${text}': unknown option '${key}' (expected format=, weight= or field=)`);
  }
  spec.format ??= guessFormat(path) ?? undefined;
  if (!spec.format) throw new Error(`data '${text}': cannot tell the format from the file name; add ,format=F (one of ${FORMATS.join(', ')})`);
  return spec as DataSpec;
}

/** The mixed documents of all specs, in a seeded order. */
export function readCorpusDocuments(specs: readonly DataSpec[], seed: number): AsyncGenerator<string> {
  return mixDocuments(specs.map((s) => ({ documents: readFormat(s.path, s.format, s.field), weight: s.weight })), seed);
}

/** An Int32Array that grows by doubling. */
class TokenBuffer {
  data = new Int32Array(1 << 16);
  length = 0;
  push(ids: readonly number[]): void {
    if (this.length + ids.length > this.data.length) {
      const bigger = new Int32Array(Math.max(this.data.length * 2, this.length + ids.length));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(ids, this.length);
    this.length += ids.length;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** How loadCorpus encodes documents and splits them between training and validation. */
export interface CorpusOptions {
  encode: (text: string) => number[];
  eosId: number;
  /** Fraction of documents held out for validation (default 0.05). */
  validationFraction?: number;
  seed?: number;
  /** Stop reading once the training set has this many tokens. */
  maxTokens?: number;
  onProgress?: (p: { documents: number; tokens: number }) => void;
}

/** The token streams loadCorpus returns, each document followed by `<EOS>`, and how many documents went to each. */
export interface Corpus {
  train: Int32Array;
  validation: Int32Array;
  documents: { train: number; validation: number };
}

/**
 * Reads, mixes and encodes every source into training and validation token arrays; each document goes to
 * one side by a seeded draw, so the split depends only on the seed.
 */
export async function loadCorpus(specs: readonly DataSpec[], options: CorpusOptions): Promise<Corpus> {
  const { encode, eosId, validationFraction = 0.05, seed = 0, maxTokens = Infinity, onProgress } = options;
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new Error(`loadCorpus: validationFraction must lie in [0, 1), got ${validationFraction}`);
  const train = new TokenBuffer(), validation = new TokenBuffer();
  const documents = { train: 0, validation: 0 };
  const split = seededGenerator(seed, 1); // its own stream: changing the mix does not move the split
  for await (const doc of readCorpusDocuments(specs, seed)) {
    const ids = encode(doc);
    ids.push(eosId);
    if (split.uniform() < validationFraction) { validation.push(ids); documents.validation++; }
    else { train.push(ids); documents.train++; }
    if ((documents.train + documents.validation) % 500 === 0) onProgress?.({ documents: documents.train + documents.validation, tokens: train.length + validation.length });
    if (train.length >= maxTokens) break;
  }
  onProgress?.({ documents: documents.train + documents.validation, tokens: train.length + validation.length });
  return { train: train.toArray(), validation: validation.toArray(), documents };
}
