import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { preTokenize, SpecialSplitter } from '../../src/tokenizer/pretokenize.ts';

const t = suite('pre-tokenization');

// The GPT-2 regex itself, with `\s` spelled as Oniguruma's (see pretokenize.ts): the scanner must
// split exactly as it does.
const S = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GPT2 = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${S}\\p{L}\\p{N}]+|[${S}]+(?![^${S}])|[${S}]+`, 'gu');
const byRegex = (text: string): string[] => [...text.matchAll(GPT2)].map((m) => m[0]);

t('worked examples', () => {
  assert.equal(preTokenize("Hello, world! I'm 42."), ['Hello', ',', ' world', '!', ' I', "'m", ' 42', '.']);
  assert.equal(preTokenize('a  b'), ['a', ' ', ' b']);
  assert.equal(preTokenize('a\n\nb  '), ['a', '\n', '\n', 'b', '  ']);
  assert.equal(preTokenize(" 's?'s"), [" '", 's', "?'", 's']);
  assert.equal(preTokenize('x\u3000y\ufeffz'), ['x', '\u3000', 'y', '\ufeff', 'z']);
  assert.equal(preTokenize(''), []);
});

t('splits exactly as the GPT-2 regex on random strings of the classes it distinguishes', () => {
  const unit = fc.constantFrom(' ', ' ', 'a', 'Z', '1', '٣', "'", 's', 't', 'l', 'r', 'e', 'v', 'm', 'd', '\n', '\t', '\r',
    '\u0085', '\u00a0', '\ufeff', '\u3000', '!', ',', 'é', '\u0301', '😀', '\ud800', '\udc00', '𝐀', '²');
  fc.assert(fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
    assert.equal(preTokenize(text), byRegex(text), JSON.stringify(text));
  }), { numRuns: 5000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
    assert.equal(preTokenize(text), byRegex(text), JSON.stringify(text));
  }), { numRuns: 3000 });
});

t('special tokens are cut out leftmost-longest, and the pieces rebuild the text', () => {
  const splitter = new SpecialSplitter([{ content: '<A>', id: 5 }, { content: '<A><B>', id: 6 }, { content: '<B>', id: 7 }]);
  const segments = splitter.split('x<A><B>y<B><A>');
  assert.equal(segments.map((s) => (s.special ? s.id : s.text)), ['x', 6, 'y', 7, 5]);
  fc.assert(fc.property(fc.array(fc.constantFrom('<A>', '<B>', '<', 'A>', 'q', ' '), { maxLength: 12 }), (parts) => {
    const text = parts.join('');
    assert.is(splitter.split(text).map((s) => s.text).join(''), text);
  }));
});

t.run();
