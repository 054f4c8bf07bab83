// Downloading the card's corpora (datasets.ts) for users who are online. Each file streams into
// NAME.part and is renamed to NAME only once its size checks out, so an interrupted download
// resumes where it stopped (HTTP Range) — within a run after a dropped connection, or in the next
// run. Sizes are checked against the catalogue (when it knows them) and Content-Length. Progress
// goes to a callback; nothing here prints. I3_DOWNLOAD_BASE_URL replaces the scheme and host of every
// catalogue URL (a mirror, or a local server in tests).

import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { listZip, readZipEntry } from '../io/zip.ts';
import type { Dataset, DatasetFile } from './datasets.ts';

/** What a download reports to its progress callback. */
export interface DownloadProgress {
  file: string;
  /** Bytes on disk so far (including a resumed .part) and the expected total, when known. */
  received: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

/** Size check, progress callback, retries and timeout of one download. */
export interface DownloadOptions {
  /** Expected size in bytes; a different Content-Length or byte count is an error. */
  size?: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Connection attempts, resuming each time (default 3). */
  attempts?: number;
  /** Milliseconds to wait for the server's response headers (default 15 s). */
  timeoutMs?: number;
}

/** The URL with I3_DOWNLOAD_BASE_URL (if set) in place of its scheme and host. */
export function resolveUrl(url: string, base = process.env.I3_DOWNLOAD_BASE_URL): string {
  if (!base) return url;
  const u = new URL(url);
  return base.replace(/\/+$/, '') + u.pathname + u.search;
}

const byHand = (url: string, dest: string) => `download ${url} by hand (a browser, or curl -L -C - -o ${dest} ${url}) and place it at ${dest}; then run again`;

/** Sends the request; a connection failure becomes an error naming the host and what to do. */
async function request(url: string, dest: string, offset: number, timeoutMs: number): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal: abort.signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (abort.signal.aborted ? 'no answer in ' + timeoutMs / 1000 + ' s' : (err as Error).message);
    throw new Error(`cannot reach ${new URL(url).host} (${code}): no network, or the host is down; ${byHand(url, dest)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a response starts in the file and the file's total size, or an error for a bad status. */
function parseResponse(res: Response, url: string, dest: string, offset: number): { start: number; total: number | null } {
  if (res.status === 404) throw new Error(`${url} was not found (HTTP 404): the dataset may have moved; ${byHand(url, dest)}`);
  const length = res.headers.get('content-length');
  if (res.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== offset) throw new Error(`${url}: the server answered a resume at byte ${offset} with Content-Range '${res.headers.get('content-range')}'; delete ${dest}.part and run again`);
    return { start: offset, total: range[2] !== '*' ? Number(range[2]) : length !== null ? offset + Number(length) : null };
  }
  if (res.status === 200) return { start: 0, total: length !== null ? Number(length) : null };
  throw new Error(`${url}: HTTP ${res.status} ${res.statusText}; ${byHand(url, dest)}`);
}

/**
 * Downloads `url` to `dest` through `dest.part`, resuming a partial file, retrying a dropped
 * connection, and checking the size. A complete `dest` is left alone. Returns the bytes of `dest`.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<number> {
  const { size, onProgress, attempts = 3, timeoutMs = 15_000 } = options;
  if (existsSync(dest)) {
    const have = (await stat(dest)).size;
    if (size === undefined || have === size) return have;
    throw new Error(`${dest} has ${have} bytes but ${size} are expected; delete it and run again`);
  }
  const part = `${dest}.part`;
  for (let attempt = 1; ; attempt++) {
    const offset = existsSync(part) ? (await stat(part)).size : 0;
    if (size !== undefined && offset === size) break; // a complete .part left by an interrupted rename
    const res = await request(url, dest, offset, timeoutMs);
    if (res.status === 416 && offset > 0) { await res.body?.cancel(); await rm(part); continue; } // .part larger than the file: start over
    const { start, total } = parseResponse(res, url, dest, offset);
    if (size !== undefined && total !== null && total !== size) {
      await res.body?.cancel();
      throw new Error(`${url}: the server reports ${total} bytes but ${size} are expected (the file changed upstream, or the catalogue is out of date); nothing was kept`);
    }
    const expected = size ?? total;
    const file = await open(part, start > 0 ? 'a' : 'w');
    let received = start, last = 0;
    const began = performance.now();
    const report = (force: boolean) => {
      const now = performance.now();
      if (!onProgress || (!force && now - last < 200)) return;
      last = now;
      const bytesPerSecond = (received - start) / Math.max((now - began) / 1000, 1e-3);
      onProgress({ file: basename(dest), received, total: expected, bytesPerSecond, etaSeconds: expected !== null && bytesPerSecond > 0 ? (expected - received) / bytesPerSecond : null });
    };
    try {
      for await (const chunk of res.body ?? []) {
        await file.write(chunk as Uint8Array);
        received += (chunk as Uint8Array).byteLength;
        report(false);
      }
    } catch (err) {
      if (attempt >= attempts) throw new Error(`${url}: the connection dropped at byte ${received} (${(err as Error).message}) after ${attempts} attempts; the partial file ${part} is kept, run again to resume`);
      continue;
    } finally {
      await file.close();
    }
    report(true);
    if (expected !== null && received !== expected) {
      await rm(part);
      throw new Error(`${url}: received ${received} bytes but ${expected} were expected (the file changed upstream, or the catalogue is out of date); the partial file was deleted`);
    }
    break;
  }
  await rename(part, dest);
  return (await stat(dest)).size;
}

/** Unpacks a downloaded file as the catalogue says; returns the paths of the text files. */
async function unpack(file: DatasetFile, path: string, dir: string): Promise<string[]> {
  if (file.unpack === 'gunzip') {
    const out = path.replace(/\.gz$/, '');
    if (!existsSync(out)) {
      await pipeline(createReadStream(path), createGunzip(), createWriteStream(`${out}.part`));
      await rename(`${out}.part`, out);
    }
    return [out];
  }
  if (file.unpack === 'unzip') {
    const bytes = new Uint8Array(await readFile(path));
    const entries = listZip(bytes, path).filter((e) => !e.name.endsWith('/'));
    const outs = entries.map((e) => join(dir, basename(e.name)));
    for (const [i, e] of entries.entries()) await writeFile(outs[i], readZipEntry(bytes, e, path));
    return outs;
  }
  return [path];
}

/** Downloads every file of a dataset (or those named in `only`) into `dir`; returns the text files. */
export async function downloadDataset(d: Dataset, dir: string, options: { only?: string[]; onProgress?: (p: DownloadProgress) => void } = {}): Promise<string[]> {
  const files = options.only ? d.files.filter((f) => options.only!.includes(f.name)) : d.files;
  if (files.length === 0) throw new Error(`dataset ${d.name} has no file named ${options.only!.join(', ')} (its files: ${d.files.map((f) => f.name).join(', ')})`);
  await mkdir(dir, { recursive: true });
  const texts: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    await downloadFile(resolveUrl(f.url), path, { size: f.size, onProgress: options.onProgress });
    texts.push(...(await unpack(f, path, dir)));
  }
  return texts;
}
