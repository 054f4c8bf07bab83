// Pre-tokenisation: cutting text into the "words" that BPE merges never cross.
//
// Two steps, as in Hugging Face `tokenizers` with a ByteLevel pre-tokenizer:
//  1. Special tokens (`<EOS>` ...) are cut out first, leftmost-longest, so they are never split
//     (HF's AddedVocabulary does this with an Aho-Corasick automaton; a regex alternation of the
//     tokens, longest first, finds the same matches).
//  2. The rest is split as GPT-2's regex splits it (`encoder.py`; HF ByteLevel `use_regex: true`):
//       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//     i.e. contractions, then a run of letters, of numbers or of other symbols, each taking one
//     leading ' ', then whitespace: a run followed by a non-space gives up its last character to
//     what follows ("a  b" -> "a", " ", " b"; "a\n\nb" -> "a", "\n", "\n", "b").
//
// Step 2 is a hand-written scanner rather than the regex: the same matches, about three times as
// fast in V8, which matters because encoding is mostly this. test/tokenizer/pretokenize.test.ts
// checks it against the regex itself on random strings.
//
// `\s` means what it means in Oniguruma, which runs this regex in HF's Rust library: 0009-000D,
// 0085 and the Unicode space, line and paragraph separators. (JavaScript's `\s` adds U+FEFF and
// lacks U+0085.) The Python library is the reference for the i3 tokenizer, and
// test/tokenizer/python-oracle.test.ts checks such strings against it.

const OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3;
const SPACE_CLASS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RE = new RegExp(`[${SPACE_CLASS}]`, 'u');

function classifySlow(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? NUMBER : SPACE_RE.test(ch) ? SPACE : OTHER;
}

/** Character classes of the Basic Multilingual Plane, filled in on first use (+1, 0 = unknown). */
const BMP_CLASS = new Uint8Array(0x10000);

function classOf(cp: number): number {
  if (cp > 0xffff) return classifySlow(cp);
  let c = BMP_CLASS[cp];
  if (c === 0) BMP_CLASS[cp] = c = classifySlow(cp) + 1;
  return c - 1;
}

const width = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** End of the run of `cls` characters starting at i. A lone surrogate is its own code point, OTHER. */
function runEnd(text: string, i: number, cls: number): number {
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    if (classOf(cp) !== cls) break;
    i += width(cp);
  }
  return i;
}

const APOSTROPHE = 0x27, SPACE_CHAR = 0x20;

/** Length of a contraction ('s 't 'm 'd 're 've 'll) at i, or 0. */
function contractionLength(text: string, i: number): number {
  if (text.charCodeAt(i) !== APOSTROPHE) return 0;
  const a = text[i + 1], b = text[i + 2];
  if (a === 's' || a === 't' || a === 'm' || a === 'd') return 2;
  if ((a === 'r' && b === 'e') || (a === 'v' && b === 'e') || (a === 'l' && b === 'l')) return 3;
  return 0;
}

/** Where the pre-token that starts at `start` ends (start < text.length). */
export function preTokenEnd(text: string, start: number): number {
  const contraction = contractionLength(text, start);
  if (contraction > 0) return start + contraction;
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
  const afterSpace = text.charCodeAt(start) === SPACE_CHAR ? start + 1 : start;
  if (afterSpace < text.length) {
    const cls = classOf(text.codePointAt(afterSpace)!);
    if (cls !== SPACE) return runEnd(text, afterSpace, cls);
  }
  // `\s+(?!\S)|\s+`: whitespace, leaving the last one to a following non-space.
  // (Every whitespace character is in the BMP, so "the last one" is one UTF-16 unit.)
  const end = runEnd(text, start, SPACE);
  if (end === text.length) return end;
  return end - 1 > start ? end - 1 : end;
}

/** Calls `visit` with each GPT-2 pre-token of `text`, in order; together they are exactly `text`. */
export function forEachPreToken(text: string, visit: (word: string) => void): void {
  for (let i = 0; i < text.length;) {
    const end = preTokenEnd(text, i);
    visit(text.slice(i, end));
    i = end;
  }
}

/** The GPT-2 pre-tokens of `text`, as a list. */
export function preTokenize(text: string): string[] {
  const words: string[] = [];
  forEachPreToken(text, (w) => words.push(w));
  return words;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One piece of text: either a special token's content (with its id) or ordinary text. */
export type Segment = { special: true; text: string; id: number } | { special: false; text: string };

/** Cuts special tokens out of text, leftmost-longest, so they reach the model whole. */
export class SpecialSplitter {
  private readonly pattern: RegExp | null;
  private readonly ids: Map<string, number>;

  constructor(specials: ReadonlyArray<{ content: string; id: number }>) {
    this.ids = new Map(specials.map((s) => [s.content, s.id]));
    const alternatives = [...this.ids.keys()].filter((c) => c.length > 0)
      .sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
  }

  /** The text as alternating ordinary and special segments; ordinary segments are never empty. */
  split(text: string): Segment[] {
    if (this.pattern === null) return text.length > 0 ? [{ special: false, text }] : [];
    const segments: Segment[] = [];
    let start = 0;
    for (const m of text.matchAll(this.pattern)) {
      if (m.index > start) segments.push({ special: false, text: text.slice(start, m.index) });
      segments.push({ special: true, text: m[0], id: this.ids.get(m[0])! });
      start = m.index + m[0].length;
    }
    if (start < text.length) segments.push({ special: false, text: text.slice(start) });
    return segments;
  }
}
