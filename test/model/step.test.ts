// Recurrent inference: running a sequence in chunks with carried state (hybrid h and s, RWKV aa, bb,
// pp and the token-shift inputs, attention key/value caches) gives the same logits as one full forward.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { preset } from '../../src/model/config.ts';
import { I3Model, type ModelState } from '../../src/model/i3-model.ts';
import type { BlockKind } from '../../src/nn/blocks.ts';
import { defaultSeed } from '../../src/testing/property.ts';

const t = suite('i3 step mode');

/** Attention reads the filled part of its caches on the cpu; on a backend that compiles kernels per shape
 *  (gpu) it reads their whole buffers, masked (nn/attention.ts). 'buffer' runs the cpu that second way. */
type Reads = 'filled' | 'buffer';
const NOTE: Record<Reads, string> = { filled: '', buffer: ' — attention over the whole cache buffers, as on the gpu' };

function attentionReads<T>(mode: Reads, fn: () => T): T {
  const cpu = I.getBackend('cpu') as { compilesPerShape?: boolean };
  if (mode === 'buffer') cpu.compilesPerShape = true;
  try {
    return fn();
  } finally {
    delete cpu.compilesPerShape;
  }
}

for (const mode of ['filled', 'buffer'] as const) {
  t(`chunked step() logits equal full forward() logits (float64, 1e-9) for random configs and chunkings${NOTE[mode]}`, () => attentionReads(mode, () => {
    const kinds: BlockKind[] = ['hybrid', 'rwkv4', 'attention'];
    fc.assert(
      fc.property(
        fc.record({
          heads: fc.integer({ min: 1, max: 2 }), headDim: fc.integer({ min: 1, max: 4 }), state: fc.integer({ min: 1, max: 4 }),
          blocks: fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 4 }), vocab: fc.integer({ min: 2, max: 9 }),
          batch: fc.integer({ min: 1, max: 2 }), length: fc.integer({ min: 1, max: 10 }), seed: fc.nat(),
          cuts: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 10 }),
        }),
        (c) => I.scope(() => {
          const gen = new I.Generator(c.seed);
          const model = new I3Model({
            vocab_size: c.vocab, d_model: c.heads * c.headDim, n_heads: c.heads, d_state: c.state, ffn_mult: 4, max_seq_len: 12, block_types: c.blocks,
          }, { dtype: 'float64', generator: gen });
          // perturb the RWKV mixes away from 1 so the token shift matters
          for (const [name, p] of model.namedParameters()) if (name.includes('time_mix')) I.noGrad(() => I.assign(p, I.rand(p.shape, { dtype: 'float64', generator: gen })));
          const ids = I.randint(c.vocab, [c.batch, c.length], { generator: gen });
          const full = I.noGrad(() => model.forward(ids)).data();
          let state: ModelState | null = null;
          const pieces: Float64Array[] = [];
          for (let start = 0, i = 0; start < c.length; i++) {
            const end = Math.min(c.length, start + (c.cuts[i] ?? 1));
            const out: { logits: I.Tensor; state: ModelState } = I.noGrad(() => model.step(I.contiguous(I.slice(ids, 1, start, end)), state));
            state = out.state;
            pieces.push(out.logits.data() as Float64Array);
            start = end;
          }
          // reassemble (B, T, V) from chunks of (B, t_i, V)
          const V = c.vocab, got = new Float64Array(full.length);
          let t0 = 0;
          for (const piece of pieces) {
            const ti = piece.length / (c.batch * V);
            for (let b = 0; b < c.batch; b++) got.set(piece.subarray(b * ti * V, (b + 1) * ti * V), (b * c.length + t0) * V);
            t0 += ti;
          }
          full.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-9 * (1 + Math.abs(v)), `logit ${i}: forward ${v}, step ${got[i]}`));
          model.dispose();
        }),
      ),
      { numRuns: 40, seed: defaultSeed() },
    );
  }));

  t(`two continuations from one state: the second equals a fresh run (the cache does not overwrite in place)${NOTE[mode]}`, () => attentionReads(mode, () => I.scope(() => I.noGrad(() => {
    const gen = new I.Generator(4);
    const model = new I3Model({ vocab_size: 7, d_model: 4, n_heads: 2, d_state: 2, ffn_mult: 4, max_seq_len: 12, block_types: ['attention', 'hybrid', 'attention'] }, { dtype: 'float64', generator: gen });
    const ids = (xs: number[]) => I.tensor([xs], { dtype: 'int32' });
    const prefix = model.step(ids([1, 2, 3]), null).state;
    const a = model.step(ids([4, 5]), prefix); // appends after the prefix in place
    const b = model.step(ids([6, 0]), prefix); // must not see a's keys, nor overwrite them
    const a2 = model.step(ids([3]), a.state);
    const fresh = (xs: number[]) => model.forward(ids(xs)).data();
    const close = (got: ArrayLike<number>, want: ArrayLike<number>) => Array.from(want).forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-12 * (1 + Math.abs(v)), `logit ${i}: ${got[i]} vs ${v}`));
    close(b.logits.data(), fresh([1, 2, 3, 6, 0]).slice(-14));
    close(a.logits.data(), fresh([1, 2, 3, 4, 5]).slice(-14));
    close(a2.logits.data(), fresh([1, 2, 3, 4, 5, 3]).slice(-7));
    model.dispose();
  }))));
}

t('lastLogitsOnly gives the last position\'s logits (B, 1, V) and the same state', () => I.scope(() => I.noGrad(() => {
  const model = new I3Model(preset('i3-test'), { dtype: 'float64', generator: new I.Generator(2) });
  const ids = I.randint(model.config.vocab_size, [2, 5], { generator: new I.Generator(3) });
  const all = model.step(ids, null);
  const last = model.step(ids, null, { lastLogitsOnly: true });
  assert.equal(last.logits.shape, [2, 1, model.config.vocab_size]);
  const close = (got: ArrayLike<number>, want: ArrayLike<number>) => Array.from(want).forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-12 * (1 + Math.abs(v)), `logit ${i}: ${got[i]} vs ${v}`));
  close(last.logits.data(), I.slice(all.logits, 1, 4, 5).data());
  const next = I.tensor([[1], [2]], { dtype: 'int32' });
  close(model.step(next, last.state).logits.data(), model.step(next, all.state).logits.data());
  model.dispose();
})));

t('more tokens than max_seq_len is a clear error', () => {
  const model = new I3Model(preset('i3-test'), { randomInit: false });
  assert.throws(() => model.forward(I.zeros([1, 17], { dtype: 'int32' })), /positions 0\.\.16 exceed max_seq_len 16/);
  const { state } = I.noGrad(() => model.step(I.zeros([1, 10], { dtype: 'int32' }), null));
  assert.throws(() => model.step(I.zeros([1, 7], { dtype: 'int32' }), state), /positions 10\.\.16 exceed max_seq_len 16/);
  model.dispose();
});

t.run();
