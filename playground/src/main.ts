// The playground page: controls, streamed output and the loss chart. All engine work happens in the
// worker (worker.ts); this file only posts requests and shows replies. Switching the backend (cpu with
// either kernel set, or gpu on WebGL2 or WebGPU) starts a new worker (the choice is fixed when the
// engine loads) and reloads the current model; a gpu the browser cannot give stays on the page with why.

import { drawLoss } from './chart.ts';
import type { Compute, FolderFiles, Reply, Request } from './protocol.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const number = (id: string) => Number($<HTMLInputElement>(id).value);
const BUNDLED = 'models/tiny-stories';

let worker: Worker;
let files: FolderFiles | null = null;
let losses: number[] = [];
let stepTimes: number[] = []; // seconds since the training started, at the end of each step
let busy = false;
let workerReady = false;
let pending: Request[] = []; // requests made before the worker's engine has loaded
let computing = ''; // what the speed line names: 'wasm kernels', 'ts kernels', 'gpu, WebGL2Kernel' …

function setBusy(on: boolean): void {
  busy = on;
  for (const id of ['generate', 'train', 'backend']) $<HTMLButtonElement>(id).disabled = on;
  $<HTMLButtonElement>('stop').disabled = !on;
}

function log(id: string, text: string): void { $(id).textContent = text; }

function startWorker(compute: Compute): void {
  worker?.terminate();
  workerReady = false;
  pending = [];
  log('gpu-info', '');
  worker = new Worker(new URL(`./worker.js?compute=${compute}`, import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<Reply>) => onReply(event.data);
  worker.onerror = (event) => { log('status', `worker failed: ${event.message}`); setBusy(false); };
  if (files) send({ kind: 'load', files });
}

function send(message: Request): void {
  // The weights' buffer is copied (not transferred) so the page keeps it for the next worker.
  if (workerReady) worker.postMessage(message);
  else pending.push(message);
}

function onReply(r: Reply): void {
  switch (r.kind) {
    case 'ready':
      workerReady = true;
      for (const message of pending.splice(0)) worker.postMessage(message);
      if (r.gpu) {
        computing = `gpu, ${r.gpu.kernelClass}`;
        log('backend-info', `backend ${r.backend} · gpu.js ${r.gpu.kernelClass} in the worker`);
        log('gpu-info', r.gpu.description);
      } else {
        computing = `${r.compute} kernels`;
        log('backend-info', `backend ${r.backend} · float32 kernels: ${r.compute === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'}${r.simd ? '' : ' (this browser has no WebAssembly SIMD)'}`);
      }
      break;
    case 'unavailable':
      // Nothing runs until another backend is chosen: the reason stays on the page.
      log('backend-info', `${r.compute} is not available in this browser`);
      log('gpu-info', r.message);
      log('status', `not available: choose another backend`);
      document.body.dataset.ready = 'unavailable';
      for (const id of ['generate', 'train']) $<HTMLButtonElement>(id).disabled = true;
      break;
    case 'loaded':
      log('model-info', `${r.source}: ${r.parameters.toLocaleString('en')} parameters, ${r.vocab} tokens${r.notes.length ? ' · ' + r.notes.join('; ') : ''}`);
      log('status', 'ready');
      document.body.dataset.ready = 'true';
      break;
    case 'token': {
      const output = $('output');
      output.textContent += r.text;
      output.dataset.pieces = String(Number(output.dataset.pieces ?? 0) + 1); // how many messages the text came in
      break;
    }
    case 'generated':
      log('gen-speed', `${r.tokens} tokens in ${r.seconds.toFixed(2)} s · ${(r.tokens / r.seconds).toFixed(1)} tokens/s (${computing})`);
      setBusy(false);
      break;
    case 'trainStart':
      log('train-log', `training a fresh ${r.parameters.toLocaleString('en')}-parameter i3 on ${r.tokens.toLocaleString('en')} tokens…`);
      break;
    case 'step':
      losses.push(r.loss);
      drawLoss($<HTMLCanvasElement>('loss-chart'), losses, r.steps);
      log('train-log', `step ${r.step}/${r.steps} · loss ${r.loss.toFixed(3)} · ${r.tokensPerSecond.toFixed(0)} tokens/s`);
      $('train-log').dataset.losses = JSON.stringify(losses);
      stepTimes.push(r.seconds);
      $('train-log').dataset.seconds = JSON.stringify(stepTimes); // for playground/measure.ts
      break;
    case 'trained':
      log('train-sample', r.sample);
      setBusy(false);
      break;
    case 'error':
      log('status', `error: ${r.message}`);
      setBusy(false);
      break;
  }
}

async function fetchFolder(base: string): Promise<FolderFiles> {
  const get = async (name: string) => {
    const response = await fetch(`${base}/${name}`);
    if (!response.ok) throw new Error(`${base}/${name}: HTTP ${response.status}`);
    return response;
  };
  const [config, weights, tokenizer] = await Promise.all([get('config.json'), get('model.safetensors'), get('tokenizer.json')]);
  return { config: await config.text(), weights: new Uint8Array(await weights.arrayBuffer()), tokenizer: await tokenizer.text(), source: base };
}

/** A dropped or chosen folder: the three files by name, wherever they sit in it. */
async function readFolder(list: Iterable<File>): Promise<FolderFiles> {
  const byName = new Map([...list].map((f) => [f.name, f]));
  const missing = ['config.json', 'model.safetensors', 'tokenizer.json'].filter((n) => !byName.has(n));
  if (missing.length) throw new Error(`the dropped folder has no ${missing.join(', ')} (a model folder holds config.json, model.safetensors, tokenizer.json)`);
  const folder = byName.get('config.json')!.webkitRelativePath.split('/')[0] || 'dropped folder';
  return {
    config: await byName.get('config.json')!.text(), weights: new Uint8Array(await byName.get('model.safetensors')!.arrayBuffer()),
    tokenizer: await byName.get('tokenizer.json')!.text(), source: folder,
  };
}

/** Files of a drop, entering directories (drag and drop gives entries, not a flat list). */
async function droppedFiles(items: DataTransferItemList): Promise<File[]> {
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) out.push(await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail)));
    else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const entries = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
      for (const e of entries) await walk(e);
    }
  };
  for (const entry of [...items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null)) await walk(entry);
  return out;
}

function useFolder(f: FolderFiles): void {
  files = f;
  log('status', `loading ${f.source}…`);
  send({ kind: 'load', files: f });
}

function wire(): void {
  $('generate').onclick = () => {
    if (busy) return;
    $('output').textContent = $<HTMLTextAreaElement>('prompt').value;
    $('output').dataset.pieces = '0';
    setBusy(true);
    send({ kind: 'generate', request: {
      prompt: $<HTMLTextAreaElement>('prompt').value, maxNewTokens: number('max-tokens'), temperature: number('temperature'),
      topK: number('top-k'), topP: number('top-p'), seed: number('seed'),
    } });
  };
  $('train').onclick = () => {
    if (busy) return;
    losses = [];
    stepTimes = [];
    $('train-log').dataset.losses = '[]';
    $('train-sample').textContent = '';
    drawLoss($<HTMLCanvasElement>('loss-chart'), losses, number('steps'));
    setBusy(true);
    send({ kind: 'train', request: { text: $<HTMLTextAreaElement>('train-text').value, steps: number('steps'), batch: number('batch'), seqLen: number('window'), lr: number('lr'), sampleTokens: number('max-tokens') } });
  };
  $('stop').onclick = () => send({ kind: 'stop' });
  $('use-sample').onclick = async () => { $<HTMLTextAreaElement>('train-text').value = await (await fetch('data/sample.txt')).text(); };
  $<HTMLSelectElement>('backend').onchange = (e) => {
    document.body.dataset.ready = '';
    setBusy(false);
    startWorker((e.target as HTMLSelectElement).value as Compute);
  };
  $<HTMLInputElement>('folder-input').onchange = async (e) => {
    try { useFolder(await readFolder((e.target as HTMLInputElement).files ?? [])); } catch (err) { log('status', `error: ${(err as Error).message}`); }
  };
  const drop = $('drop');
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    try { useFolder(await readFolder(await droppedFiles(e.dataTransfer!.items))); } catch (err) { log('status', `error: ${(err as Error).message}`); }
  };
}

wire();
setBusy(false);
startWorker('wasm');
useFolder(await fetchFolder(BUNDLED));
