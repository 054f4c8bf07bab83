// The safetensors format (Hugging Face, https://github.com/huggingface/safetensors, README "Format"):
//
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   a UTF-8 JSON object: { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] },
//                                    …, "__metadata__": { "<key>": "<string value>" } }   (metadata optional)
//   the rest  the byte buffer; each tensor's row-major little-endian bytes at [begin, end) of it
//
// We check what the reference's `validate` (safetensors/src/tensor.rs) checks, so a file we accept
// is one every other reader accepts: the header starts with '{' and is at most 100 MB; every dtype is
// known; end − begin = product(shape) × dtype size; sorted by begin, the tensors tile the buffer
// exactly (no gap, no overlap, the last one ends at the end of the file); metadata values are strings.
// Reading gives float32, float64 and int32 tensors; F16 and BF16 are widened to float32 (exact).
// Writing pads the header with spaces to a multiple of 8 bytes, as the reference does, so every
// tensor starts aligned. Host byte order is assumed little-endian (true of every platform Node runs on).

import { tensor } from '../tensor/create.ts';
import { bytesPerElement, type DType } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './half.ts';

/** The contents of a .safetensors file: named tensors and the string metadata. */
export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100_000_000; // the reference refuses larger headers as likely corrupt
/** Bytes per element of every dtype the format defines; those we cannot read are refused by name. */
const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
const WRITE_DTYPES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** Parses a .safetensors file's bytes. `source` (a path) names the file in errors. */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors data'): Safetensors {
  const fail = (problem: string): never => { throw new Error(`${source}: ${problem}`); };
  if (bytes.length < 8) fail(`is ${bytes.length} bytes, too short for the 8-byte header length of a safetensors file (truncated or not safetensors)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER)) fail(`header length ${headerLength} is over the 100 MB limit (corrupt, or not a safetensors file)`);
  const dataStart = 8 + Number(headerLength);
  if (dataStart > bytes.length) fail(`header says it is ${headerLength} bytes but the file has only ${bytes.length - 8} after the length (truncated)`);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  if (!text.startsWith('{')) fail('header does not start with "{" (not a safetensors file)');
  let header: Record<string, unknown>;
  try { header = JSON.parse(text); } catch (err) { return fail(`header is not valid JSON (${(err as Error).message})`); }

  const metadata = readMetadata(header.__metadata__, fail);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, info]) => readEntry(name, info, fail));
  checkTiling(entries, bytes.length - dataStart, fail);

  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    // A copy into a fresh, aligned ArrayBuffer, so typed-array views are always legal. (Not
    // bytes.slice(): on a Node Buffer that is a view into a shared pool, not a copy.)
    const raw = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end)).buffer;
    tensors.set(e.name, tensor(decode(e.dtype, raw, e.name, fail), { shape: e.shape }));
  }
  return { tensors, metadata };
}

function readMetadata(value: unknown, fail: (p: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('"__metadata__" is not an object of strings');
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') fail(`"__metadata__"."${k}" is ${JSON.stringify(v)}, not a string`);
  return value as Record<string, string>;
}

function readEntry(name: string, info: unknown, fail: (p: string) => never): Entry {
  const where = `tensor '${name}'`;
  if (typeof info !== 'object' || info === null) return fail(`${where}: entry is ${JSON.stringify(info)}, not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) fail(`${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_SIZES).join(', ')})`);
  const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 ≤ begin ≤ end`);
  }
  const [begin, end] = offsets as number[];
  const expected = (shape as number[]).reduce((n, d) => n * d, 1) * DTYPE_SIZES[dtype as string];
  if (end - begin !== expected) fail(`${where}: ${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  return { name, dtype: dtype as string, shape: shape as number[], begin, end };
}

/** Sorted by begin, the tensors must cover the byte buffer exactly. */
function checkTiling(entries: Entry[], bufferLength: number, fail: (p: string) => never): void {
  let at = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== at) {
      fail(e.begin > at ? `bytes ${at}..${e.begin} of the buffer belong to no tensor (before '${e.name}')` : `tensor '${e.name}' at [${e.begin}, ${e.end}] overlaps the tensor before it, which ends at ${at}`);
    }
    at = e.end;
  }
  if (at > bufferLength) fail(`tensors need ${at} bytes of data but the file has ${bufferLength} (truncated)`);
  if (at < bufferLength) fail(`${bufferLength - at} bytes after the last tensor belong to no tensor (corrupt header or trailing data)`);
}

function decode(dtype: string, raw: ArrayBuffer, name: string, fail: (p: string) => never): Float32Array | Float64Array | Int32Array {
  switch (dtype) {
    case 'F32': return new Float32Array(raw);
    case 'F64': return new Float64Array(raw);
    case 'I32': return new Int32Array(raw);
    case 'F16': return float16ToFloat32(new Uint16Array(raw));
    case 'BF16': return bfloat16ToFloat32(new Uint16Array(raw));
    default: return fail(`tensor '${name}': dtype ${dtype} is valid safetensors but not supported here (we read F32, F64, I32, F16, BF16); convert it, e.g. with tensor.float() in PyTorch`);
  }
}

/** Serialises named tensors (float32 → F32, float64 → F64, int32 → I32), in the order given. */
export function writeSafetensors(tensors: Iterable<readonly [string, Tensor]>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`writeSafetensors: tensor name '${name}' is reserved or used twice`);
    const data = t.data(); // row-major copy, whatever the view's strides
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length * bytesPerElement(t.dtype));
    header[name] = { dtype: WRITE_DTYPES[t.dtype], shape: [...t.shape], data_offsets: [at, at + bytes.length] };
    parts.push(bytes);
    at += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let offset = 8 + jsonBytes.length;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}
