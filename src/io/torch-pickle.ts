// Reading PyTorch checkpoints (torch.save, the zip format of PyTorch ≥ 1.6; torch/serialization.py):
//   <archive>/data.pkl    the pickled object; each tensor is a call to
//                         torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …) whose
//                         storage is a persistent id ('storage', torch.FloatStorage, key, device, numel)
//   <archive>/data/<key>  that storage's raw little-endian bytes
//   <archive>/byteorder   'little' (absent in older files, which are little-endian too)
// A state dict may be plain or wrapped as {'model_state_dict': …} (the i3 best checkpoint, spec §3.5).

import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './half.ts';
import { unpickle, type Global } from './pickle.ts';
import { listZip, readZipEntry } from './zip.ts';

interface StorageRef { kind: string; key: string; numel: number }
interface TensorRef { storage: StorageRef; offset: number; size: number[]; stride: number[] }

const isTensorRef = (v: unknown): v is TensorRef => typeof v === 'object' && v !== null && 'storage' in v && 'stride' in v;

/** The state dict of a torch.save checkpoint (plain or under 'model_state_dict'), as float tensors. */
export function readTorchCheckpoint(bytes: Uint8Array, source: string): Map<string, Tensor> {
  const entries = listZip(bytes, source);
  const pkl = entries.find((e) => e.name.endsWith('data.pkl'));
  if (!pkl) throw new Error(`${source}: a zip without data.pkl, so not a torch.save checkpoint`);
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byteorder = entries.find((e) => e.name === `${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(readZipEntry(bytes, byteorder, source)).trim() !== 'little') throw new Error(`${source}: big-endian checkpoint, which is not supported`);

  const root = unpickle(readZipEntry(bytes, pkl, source), {
    call: (fn, args) => rebuild(fn, args, source),
    persistentLoad: (pid) => {
      const [tag, type, key, , numel] = pid as [string, Global, string, string, number];
      if (tag !== 'storage') throw new Error(`${source}: unexpected persistent id ${JSON.stringify(tag)}`);
      return { kind: type.name, key, numel } satisfies StorageRef;
    },
  }, source);
  const dict = root instanceof Map && root.get('model_state_dict') instanceof Map ? root.get('model_state_dict') : root;
  if (!(dict instanceof Map)) throw new Error(`${source}: the checkpoint holds no state dict (expected a dict of tensors, or one under 'model_state_dict')`);

  const storages = new Map<string, Float32Array | Float64Array | Int32Array>();
  const out = new Map<string, Tensor>();
  for (const [name, value] of dict) {
    if (!isTensorRef(value)) continue; // e.g. non-tensor entries some trainers add
    const { key, kind } = value.storage;
    if (!storages.has(key)) {
      const entry = entries.find((e) => e.name === `${prefix}data/${key}`);
      if (!entry) throw new Error(`${source}: storage data/${key} of '${name}' is missing from the archive (truncated?)`);
      storages.set(key, decodeStorage(kind, readZipEntry(bytes, entry, source), `${source}: '${name}'`));
    }
    out.set(String(name), gather(storages.get(key)!, value));
  }
  return out;
}

function rebuild(fn: Global, args: unknown[], source: string): unknown {
  const qualified = `${fn.module}.${fn.name}`;
  if (qualified === 'collections.OrderedDict') return new Map();
  if (qualified === 'torch._utils._rebuild_tensor_v2') {
    const [storage, offset, size, stride] = args as [StorageRef, number, number[], number[]];
    return { storage, offset, size, stride } satisfies TensorRef;
  }
  if (qualified === 'torch._utils._rebuild_parameter') return args[0];
  throw new Error(`${source}: the pickle calls ${qualified}, which a state dict does not need; not loaded (only tensors in dicts are read)`);
}

function decodeStorage(kind: string, raw: Uint8Array, where: string): Float32Array | Float64Array | Int32Array {
  const buffer = new Uint8Array(raw).buffer; // an aligned copy
  switch (kind) {
    case 'FloatStorage': return new Float32Array(buffer);
    case 'DoubleStorage': return new Float64Array(buffer);
    case 'IntStorage': return new Int32Array(buffer);
    case 'HalfStorage': return float16ToFloat32(new Uint16Array(buffer));
    case 'BFloat16Storage': return bfloat16ToFloat32(new Uint16Array(buffer));
    default: throw new Error(`${where} is a torch.${kind}; only Float, Double, Int, Half and BFloat16 storages are supported`);
  }
}

/** The tensor's elements in row-major order from its storage, offset and strides. */
function gather(storage: Float32Array | Float64Array | Int32Array, t: TensorRef): Tensor {
  const n = t.size.reduce((a, b) => a * b, 1);
  const out = new (storage.constructor as Float32ArrayConstructor)(n) as Float32Array;
  const index = t.size.map(() => 0);
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let d = 0; d < index.length; d++) at += index[d] * t.stride[d];
    if (at >= storage.length) throw new Error(`tensor element ${i} is outside its storage of ${storage.length} (corrupt checkpoint)`);
    out[i] = storage[at];
    for (let d = index.length - 1; d >= 0 && ++index[d] === t.size[d]; d--) index[d] = 0;
  }
  return tensor(out, { shape: t.size });
}
