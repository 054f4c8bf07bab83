// The downloader against a local HTTP server on 127.0.0.1 (never the internet): a full download, a
// connection dropped mid-body and resumed with Range, a size mismatch, a 404, a closed port, and a
// catalogue dataset fetched through I3_DOWNLOAD_BASE_URL and gunzipped.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataset } from '../../src/data/datasets.ts';
import { downloadDataset, downloadFile, resolveUrl, type DownloadProgress } from '../../src/data/download.ts';

const t = suite('data download (local server)');
const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
const sentences = gzipSync(Buffer.from('The first sentence.\nThe second sentence.\n'));
let server: Server, base = '', dir = '';
let requests: IncomingMessage[] = [];
let dropFirst = false;

function serve(bytes: Buffer, req: IncomingMessage, res: import('node:http').ServerResponse) {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const headers = { 'content-length': String(bytes.length - start), ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) };
  res.writeHead(range ? 206 : 200, headers);
  if (dropFirst && requests.length === 1) {
    res.write(bytes.subarray(start, start + 70_000)); // then the connection dies mid-body
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  res.end(bytes.subarray(start));
}

t.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'i3-download-'));
  server = createServer((req, res) => {
    requests.push(req);
    if (req.url === '/file.txt') serve(body, req, res);
    else if (req.url === '/datasets/agentlans/high-quality-english-sentences/resolve/main/test.txt.gz') serve(sentences, req, res);
    else { res.writeHead(404).end('not here'); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
t.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});
t.before.each(() => { requests = []; dropFirst = false; });

t('downloads a whole file, reports progress up to 100 %, leaves no .part', async () => {
  const dest = join(dir, 'full.txt');
  const seen: DownloadProgress[] = [];
  const n = await downloadFile(`${base}/file.txt`, dest, { size: body.length, onProgress: (p) => seen.push(p) });
  assert.is(n, body.length);
  assert.ok(readFileSync(dest).equals(body));
  assert.not.ok(existsSync(`${dest}.part`));
  assert.equal(seen.at(-1)!.received, body.length);
  assert.equal(seen.at(-1)!.total, body.length);
  assert.is(await downloadFile(`${base}/file.txt`, dest, { size: body.length }), body.length, 'a complete file is left alone');
  assert.is(requests.length, 1);
});

t('resumes with Range after the server drops the connection mid-body', async () => {
  dropFirst = true;
  const dest = join(dir, 'resumed.txt');
  await downloadFile(`${base}/file.txt`, dest);
  assert.is(requests.length, 2);
  assert.is(requests[0].headers.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1].headers.range ?? '')?.[1]);
  assert.ok(resumedAt >= 70_000 && resumedAt < body.length, `resumed at ${resumedAt}`);
  assert.ok(readFileSync(dest).equals(body), 'the resumed file is byte-identical');
});

t('resumes a .part left by an earlier run', async () => {
  const dest = join(dir, 'earlier.txt');
  writeFileSync(`${dest}.part`, body.subarray(0, 12_345));
  await downloadFile(`${base}/file.txt`, dest, { size: body.length });
  assert.is(requests[0].headers.range, 'bytes=12345-');
  assert.ok(readFileSync(dest).equals(body));
});

t('a size different from the catalogue is an error, and nothing is kept', async () => {
  const dest = join(dir, 'wrong.txt');
  try {
    await downloadFile(`${base}/file.txt`, dest, { size: 1234 });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, `reports ${body.length} bytes but 1234 are expected`);
  }
  assert.not.ok(existsSync(dest));
  assert.not.ok(existsSync(`${dest}.part`));
});

t('a 404 names the URL and says how to place the file by hand', async () => {
  const dest = join(dir, 'missing.txt');
  try {
    await downloadFile(`${base}/nope.txt`, dest);
    assert.unreachable('should have thrown');
  } catch (err) {
    const m = (err as Error).message;
    assert.match(m, `${base}/nope.txt was not found (HTTP 404)`);
    assert.match(m, `place it at ${dest}`);
  }
});

t('an unreachable host (a closed port) fails fast, naming the host and saying no network', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve)); // now nothing listens there
  const started = performance.now();
  try {
    await downloadFile(`http://127.0.0.1:${port}/file.txt`, join(dir, 'closed.txt'));
    assert.unreachable('should have thrown');
  } catch (err) {
    const m = (err as Error).message;
    assert.match(m, `cannot reach 127.0.0.1:${port} (ECONNREFUSED): no network`);
    assert.match(m, 'by hand');
  }
  assert.ok(performance.now() - started < 3000);
});

t('I3_DOWNLOAD_BASE_URL redirects the catalogue; a .gz file is unpacked beside it', async () => {
  assert.is(resolveUrl('https://huggingface.co/datasets/a/b/resolve/main/c.txt', 'http://127.0.0.1:9/'), 'http://127.0.0.1:9/datasets/a/b/resolve/main/c.txt');
  const previous = process.env.I3_DOWNLOAD_BASE_URL;
  process.env.I3_DOWNLOAD_BASE_URL = base;
  try {
    const out = join(dir, 'sentences');
    const texts = await downloadDataset(dataset('sentences'), out, { only: ['sentences-test.txt.gz'] });
    assert.equal(texts, [join(out, 'sentences-test.txt')]);
    assert.is(readFileSync(texts[0], 'utf8'), 'The first sentence.\nThe second sentence.\n');
    assert.is(statSync(join(out, 'sentences-test.txt.gz')).size, sentences.length);
  } finally {
    if (previous === undefined) delete process.env.I3_DOWNLOAD_BASE_URL;
    else process.env.I3_DOWNLOAD_BASE_URL = previous;
  }
});

t.run();
