// A minimal zip reader for PyTorch checkpoints (torch.save writes a zip since 1.6). Layout, from
// PKWARE's APPNOTE.TXT: entries are found through the central directory, whose position is in the
// "end of central directory" record at the end of the file (§4.3.16); each entry's data follows its
// local header (§4.3.7), whose name and extra-field lengths may differ from the central copy (torch
// pads the extra field to align storages). Methods: 0 stored, 8 deflated (node:zlib). No zip64
// (files over 4 GB), no encryption: both are refused by name.

import { inflateRawSync } from 'node:zlib';

/** One file of a zip archive, from its central directory record. */
export interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

/** The entries of a zip archive, read through its central directory; zip64 and encryption are refused by name. */
export function listZip(bytes: Uint8Array, source: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1; // the record is 22 bytes plus a comment of up to 65535
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
  if (end < 0) throw new Error(`${source}: not a zip archive (no end-of-central-directory record); torch.save files since PyTorch 1.6 are zips, re-save older ones with a current torch.save`);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (at === 0xffffffff || count === 0xffff) throw new Error(`${source}: a zip64 archive (over 4 GB or 65535 entries), which is not supported`);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw new Error(`${source}: zip central directory entry ${n} is corrupt or truncated`);
    const nameLength = view.getUint16(at + 28, true), extra = view.getUint16(at + 30, true), comment = view.getUint16(at + 32, true);
    if (view.getUint16(at + 8, true) & 1) throw new Error(`${source}: zip entry ${n} is encrypted`);
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)), method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true), size: view.getUint32(at + 24, true), localOffset: view.getUint32(at + 42, true),
    });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** The bytes of one entry, inflated when deflated; a missing header, truncation or another method is an error. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) throw new Error(`${source}: zip entry '${entry.name}' has no local header at ${at} (corrupt or truncated)`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new Error(`${source}: zip entry '${entry.name}' runs past the end of the file (truncated)`);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return new Uint8Array(inflateRawSync(data));
  throw new Error(`${source}: zip entry '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflated (8) are supported`);
}
