// Byte-level alphabet: GPT-2's reversible map from the 256 byte values to 256 printable characters.
//
// Byte-level BPE works on UTF-8 bytes, but vocabularies are stored as JSON strings, and control
// bytes or lone continuation bytes are awkward there. GPT-2 (Radford et al. 2019, `encoder.py`,
// `bytes_to_unicode`) therefore shows every byte as one visible character: the printable bytes
// `!`..`~`, `¡`..`¬` and `®`..`ÿ` stand for themselves, and the other 68 bytes (control codes,
// space, DEL, NBSP, soft hyphen) take the code points 256, 257, ... in byte order. So a space is
// `Ġ` (U+0120) and a newline `Ċ` (U+010A). Hugging Face's ByteLevel pre-tokenizer uses the same map,
// which is what makes our tokenizer.json files interchangeable with theirs.

function isPrintableByte(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildByteToChar(): string[] {
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(isPrintableByte(b) ? b : next++));
  return chars;
}

/** BYTE_TO_CHAR[b] is the one-character string that shows byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Largest code point used by the map (256 + 68 - 1); CHAR_TO_BYTE is indexed up to it. */
const MAX_CODE = 256 + 67;

/** CHAR_TO_BYTE[code point] is the byte it shows, or -1 for characters outside the alphabet. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(MAX_CODE + 1).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => { table[c.charCodeAt(0)] = b; });
  return table;
})();

/** The 256 byte characters in code-point order: the order a trainer adds a seeded alphabet. */
export function byteLevelAlphabet(): string[] {
  return [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
}

const utf8 = new TextEncoder();

/**
 * A string's UTF-8 bytes. Lone surrogates (possible in JS strings, impossible in UTF-8) become
 * U+FFFD, the WHATWG rule TextEncoder follows: so encode-then-decode returns `s.toWellFormed()`.
 */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** The byte-level form of a string: its UTF-8 bytes, each shown as its alphabet character. */
export function toByteLevel(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) out += BYTE_TO_CHAR[b];
  return out;
}

/** The bytes a byte-level string stands for, or null if it holds a character outside the alphabet. */
export function fromByteLevel(token: string): Uint8Array | null {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code <= MAX_CODE ? CHAR_TO_BYTE[code] : -1;
    if (b < 0) return null;
    bytes[i] = b;
  }
  return bytes;
}
