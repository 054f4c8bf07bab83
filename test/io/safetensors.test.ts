// safetensors reader and writer: hand-built files (bytes laid out here from the format description),
// round trips, and one corrupt variant per validation rule, each checked for the message it gives.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { defaultSeed } from '../../src/testing/property.ts';

const t = suite('safetensors');

/** A file from a header object and raw data bytes, exactly as the format lays them out. */
function build(header: unknown, data: ArrayLike<number> | ArrayBufferView, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const body = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : Uint8Array.from(data);
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const u8 = (...parts: ArrayBufferView[]) => Uint8Array.from(parts.flatMap((p) => [...new Uint8Array(p.buffer, p.byteOffset, p.byteLength)]));

t('reads a hand-built file with F32, I32 and F64 tensors and metadata', () => {
  const header = {
    __metadata__: { format: 'pt' },
    b: { dtype: 'I32', shape: [3], data_offsets: [24, 36] }, // out of order on purpose: order is by offsets, not keys
    a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    c: { dtype: 'F64', shape: [], data_offsets: [36, 44] },
  };
  const file = build(header, u8(new Float32Array([1, 2, 3, 4, 5, -6.5]), new Int32Array([7, -8, 2 ** 31 - 1]), new Float64Array([Math.PI])));
  const { tensors, metadata } = readSafetensors(file);
  assert.equal(metadata, { format: 'pt' });
  assert.equal([...tensors.keys()], ['b', 'a', 'c']);
  assert.equal(tensors.get('a')!.toArray(), [[1, 2, 3], [4, 5, -6.5]]);
  assert.is(tensors.get('b')!.dtype, 'int32');
  assert.equal(tensors.get('b')!.toArray(), [7, -8, 2 ** 31 - 1]);
  assert.is(tensors.get('c')!.dtype, 'float64');
  assert.equal(tensors.get('c')!.shape, []);
  assert.is(tensors.get('c')!.item(), Math.PI);
});

t('F16 and BF16 widen to float32 exactly (normal, subnormal, infinity, NaN)', () => {
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]);
  const bf16 = new Uint16Array([0x3f80, 0xc000, 0x4049, 0x7f80, 0x0001]);
  const file = build({
    h: { dtype: 'F16', shape: [9], data_offsets: [0, 18] },
    b: { dtype: 'BF16', shape: [5], data_offsets: [18, 28] },
  }, u8(f16, bf16));
  const { tensors } = readSafetensors(file);
  const h = [...tensors.get('h')!.data()];
  assert.equal(h.slice(0, 7), [1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity]);
  assert.ok(Number.isNaN(h[7]));
  assert.is(h[8], Math.fround(0.333251953125)); // 0x3555 = 1.0101010101b × 2^-2
  assert.equal([...tensors.get('b')!.data()], [1, -2, 3.140625, Infinity, 2 ** -133]);
});

t('write → read round-trips values, shapes, dtypes and metadata; the header is padded to 8 bytes', () => {
  fc.assert(fc.property(
    fc.array(fc.record({
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      dtype: fc.constantFrom<I.DType>('float32', 'float64', 'int32'), seed: fc.nat(),
    }), { maxLength: 4 }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    (specs, metadata) => {
      const named = specs.map((s, i) => [`t.${i}`, s.dtype === 'int32'
        ? I.randint(1000, s.shape, { generator: new I.Generator(s.seed) })
        : I.randn(s.shape, { dtype: s.dtype, generator: new I.Generator(s.seed) })] as const);
      const bytes = writeSafetensors(named, metadata);
      assert.is(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0);
      const back = readSafetensors(bytes);
      assert.equal(back.metadata, { ...metadata }); // fast-check builds prototype-less objects
      assert.equal([...back.tensors.keys()], named.map(([n]) => n));
      for (const [name, want] of named) {
        const got = back.tensors.get(name)!;
        assert.is(got.dtype, want.dtype);
        assert.equal(got.shape, want.shape);
        assert.equal([...got.data()], [...want.data()]);
      }
    },
  ), { numRuns: 60, seed: defaultSeed() });
});

t('a strided view is written in row-major order', () => {
  const x = I.transpose(I.tensor([[1, 2, 3], [4, 5, 6]]));
  const back = readSafetensors(writeSafetensors([['x', x]])).tensors.get('x')!;
  assert.equal(back.toArray(), [[1, 4], [2, 5], [3, 6]]);
});

t('a Node Buffer (a view into a shared pool, as fs.readFile gives) reads the same', () => {
  const file = writeSafetensors([['x', I.tensor([1.5, -2])]]);
  const pooled = Buffer.from(file); // small Buffers are slices of one pool, at a non-zero offset
  assert.equal(readSafetensors(pooled).tensors.get('x')!.toArray(), [1.5, -2]);
});

t('every truncation of a valid file is refused', () => {
  const file = writeSafetensors([['w', I.tensor([[1, 2], [3, 4]])], ['b', I.tensor([5, 6])]], { a: 'b' });
  for (let n = 0; n < file.length; n++) assert.throws(() => readSafetensors(file.subarray(0, n), 'f.safetensors'), /^f\.safetensors: /, `prefix of ${n} bytes`);
});

const f32 = (n: number) => new Float32Array(n);
const corrupt: Array<[string, () => Uint8Array, RegExp]> = [
  ['fewer than 8 bytes', () => new Uint8Array(5), /5 bytes, too short for the 8-byte header length/],
  ['a header length past the end', () => build({}, []).map((b, i) => (i === 0 ? 200 : b)), /header says it is 200 bytes but the file has only 2 .*truncated/],
  ['a huge header length', () => { const b = build({}, []); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b; }, /over the 100 MB limit/],
  ['a header that is not JSON', () => build(null, [], '{"a": '), /header is not valid JSON/],
  ['a header that is not an object', () => build(null, [], '[1, 2]'), /does not start with "\{"/],
  ['an unknown dtype', () => build({ a: { dtype: 'F31', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor 'a': unknown dtype "F31" \(known: BOOL/],
  ['an unsupported dtype', () => build({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, f32(2)), /dtype I64 is valid safetensors but not supported here/],
  ['a negative dimension', () => build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /shape \[-1\] is not a list of non-negative integers/],
  ['reversed offsets', () => build({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), /data_offsets \[4,0\] is not \[begin, end\]/],
  ['a size that disagrees with the shape', () => build({ a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, f32(3)), /F32 \[2,2\] needs 16 bytes but data_offsets \[0, 12\] hold 12/],
  ['a gap between tensors', () => build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)), /bytes 4\.\.8 of the buffer belong to no tensor \(before 'b'\)/],
  ['overlapping tensors', () => build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /tensor 'b' at \[4, 8\] overlaps/],
  ['offsets past the end', () => build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /tensors need 8 bytes of data but the file has 4 \(truncated\)/],
  ['trailing bytes', () => build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /4 bytes after the last tensor belong to no tensor/],
  ['non-string metadata', () => build({ __metadata__: { n: 3 } }, []), /"__metadata__"\."n" is 3, not a string/],
];
for (const [what, make, message] of corrupt) {
  t(`refused with a clear message: ${what}`, () => assert.throws(() => readSafetensors(make(), 'bad.safetensors'), (e: Error) => e.message.startsWith('bad.safetensors: ') && message.test(e.message)));
}

t('writing a reserved or repeated name is refused', () => {
  assert.throws(() => writeSafetensors([['__metadata__', I.tensor([1])]]), /reserved or used twice/);
  assert.throws(() => writeSafetensors([['a', I.tensor([1])], ['a', I.tensor([2])]]), /'a' is reserved or used twice/);
});

t.run();
