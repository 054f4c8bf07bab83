// `i3 data download <dataset>`: fetch the card's corpora (src/data/datasets.ts) with resumable,
// size-checked downloads (src/data/download.ts), printing progress; then say how to train on them.

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASETS, dataset } from '../data/datasets.ts';
import { downloadDataset, type DownloadProgress } from '../data/download.ts';
import type { Command } from './main.ts';

const USAGE = `usage: i3 data download <dataset> [--out DIR] [--file NAME]
  --out DIR     where the files go (default data/<dataset>); an interrupted download resumes there
  --file NAME   only this file of the dataset (repeatable), e.g. TinyStories-valid.txt
The environment variable I3_DOWNLOAD_BASE_URL replaces the host of every URL (a mirror).

datasets:
${DATASETS.map((d) => `  ${d.name.padEnd(12)} ${d.source}; ${d.license}\n${d.files.map((f) => `  ${''.padEnd(12)}   ${f.name}`).join('\n')}`).join('\n')}`;

const size = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);
const time = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

/** One progress line, rewritten in a terminal; elsewhere a line every 10 %. */
function progressPrinter(): (p: DownloadProgress) => void {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return (p) => {
    const pct = p.total ? (100 * p.received) / p.total : null;
    const text = `${p.file}: ${size(p.received)}${p.total ? ` of ${size(p.total)} (${pct!.toFixed(1)} %)` : ''}  ${size(p.bytesPerSecond)}/s` +
      (p.etaSeconds !== null ? `  ETA ${time(p.etaSeconds)}` : '');
    if (tty) { process.stderr.write(`\r\x1b[K${text}`); return; }
    const tenth = pct === null ? -1 : Math.floor(pct / 10);
    if (tenth > lastTenth) { lastTenth = tenth; process.stderr.write(`${text}\n`); }
  };
}

/** `i3 data`. */
export const dataCommand: Command = {
  summary: 'download the card\'s datasets (TinyStories, TinyChat, sentences, WikiText-2)',
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean' }, out: { type: 'string' }, file: { type: 'string', multiple: true } } });
    if (values.help || positionals.length === 0) { console.log(USAGE); return; }
    const [action, name, ...extra] = positionals;
    if (action !== 'download' || !name || extra.length > 0) throw new Error(`expected 'download <dataset>', got '${positionals.join(' ')}'\n\n${USAGE}`);
    const d = dataset(name);
    const out = values.out ?? join('data', d.name);
    const texts = await downloadDataset(d, out, { only: values.file, onProgress: progressPrinter() });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(`${d.name}: ${texts.join(', ')}`);
    console.log(`train on it: i3 train ${texts.map((t) => `--data ${t},format=${d.format}`).join(' ')}`);
  },
};
