// The i3 card's four corpora as `i3 data download` fetches them: where each file is published, what
// it is saved as and how it is unpacked. Every source below is plain text (or text gzipped / zipped,
// unpacked with node:zlib and io/zip.ts), so no Parquet reader is needed:
//   tinystories  roneneldan/TinyStories publishes the original V1 .txt files (1.92 GB + 19.4 MB)
//   tinychat     starhopp3r/TinyChat publishes tinychat.txt (745 MB, one conversation a line)
//   sentences    agentlans/high-quality-english-sentences publishes gzipped text, one sentence a
//                line (test.txt.gz is seen in use; train.txt.gz is its sibling by the same naming)
//   wikitext-2   Hugging Face's Salesforce/wikitext holds only Parquet, so this uses the original
//                raw archive, kept online by the dataset's author at wikitext.smerity.com
// Sizes are listed only where more than one independent source agrees on them; otherwise the
// server's Content-Length is what the download is checked against.

import type { Format } from './formats.ts';

/** One published file of a dataset: where to fetch it, the name it is saved under, and how to unpack it. */
export interface DatasetFile {
  url: string;
  /** The name it is saved under in the output folder. */
  name: string;
  /** Bytes, when known in advance (checked against Content-Length and the bytes received). */
  size?: number;
  /** gunzip: write NAME without `.gz` beside it; unzip: extract the archive's files (flattened). */
  unpack?: 'gunzip' | 'unzip';
}

/** One of the card's corpora as `i3 data download` knows it: its files, source, licence and reading format. */
export interface Dataset {
  name: string;
  /** Where it comes from and its licence, for `i3 data --help`. */
  source: string;
  license: string;
  /** The `--data ...,format=` of the unpacked files. */
  format: Format;
  files: DatasetFile[];
}

const HF = 'https://huggingface.co/datasets';

/** The catalogue of downloadable corpora (tinystories, tinychat, sentences, wikitext-2). */
export const DATASETS: Dataset[] = [
  {
    name: 'tinystories', source: 'huggingface.co/datasets/roneneldan/TinyStories (V1 .txt)', license: 'CDLA-Sharing-1.0', format: 'tinystories',
    files: [
      { url: `${HF}/roneneldan/TinyStories/resolve/main/TinyStories-valid.txt`, name: 'TinyStories-valid.txt' },
      { url: `${HF}/roneneldan/TinyStories/resolve/main/TinyStories-train.txt`, name: 'TinyStories-train.txt' },
    ],
  },
  {
    name: 'tinychat', source: 'huggingface.co/datasets/starhopp3r/TinyChat', license: 'CC BY-NC 4.0', format: 'tinychat',
    files: [{ url: `${HF}/starhopp3r/TinyChat/resolve/main/tinychat.txt`, name: 'tinychat.txt' }],
  },
  {
    name: 'sentences', source: 'huggingface.co/datasets/agentlans/high-quality-english-sentences', license: 'ODC-BY', format: 'sentences',
    files: [
      { url: `${HF}/agentlans/high-quality-english-sentences/resolve/main/test.txt.gz`, name: 'sentences-test.txt.gz', unpack: 'gunzip' },
      { url: `${HF}/agentlans/high-quality-english-sentences/resolve/main/train.txt.gz`, name: 'sentences-train.txt.gz', unpack: 'gunzip' },
    ],
  },
  {
    name: 'wikitext-2', source: 'wikitext.smerity.com (the original raw archive; Hugging Face has Parquet only)', license: 'CC BY-SA 3.0 and GFDL', format: 'wikitext',
    files: [{ url: 'https://wikitext.smerity.com/wikitext-2-raw-v1.zip', name: 'wikitext-2-raw-v1.zip', size: 4_721_645, unpack: 'unzip' }],
  },
];

/** The catalogue entry called `name`; an unknown name is an error listing the known ones. */
export function dataset(name: string): Dataset {
  const found = DATASETS.find((d) => d.name === name);
  if (!found) throw new Error(`unknown dataset '${name}' (expected ${DATASETS.map((d) => d.name).join(', ')})`);
  return found;
}
