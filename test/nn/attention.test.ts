// Causal self-attention against a naive scalar implementation of spec §3.3, its gradient against
// finite differences, and the module system's naming and state-dict loading.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { CausalSelfAttention } from '../../src/nn/attention.ts';
import { Linear } from '../../src/nn/layers.ts';
import { gradcheck } from '../../src/testing/gradcheck.ts';

const t = suite('attention and modules');

function naiveAttention(x: Float64Array, B: number, T: number, C: number, H: number, Wqkv: Float64Array, bqkv: Float64Array, Wo: Float64Array, bo: Float64Array): Float64Array {
  const D = C / H;
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    const qkv = (t: number, j: number) => { // row t of x·Wqkvᵀ + b, column j
      let s = bqkv[j];
      for (let c = 0; c < C; c++) s += x[(b * T + t) * C + c] * Wqkv[j * C + c];
      return s;
    };
    const merged = new Float64Array(T * C);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const scores = Array.from({ length: i + 1 }, (_, j) => {
          let s = 0;
          for (let d = 0; d < D; d++) s += qkv(i, h * D + d) * qkv(j, C + h * D + d);
          return s / Math.sqrt(D);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((p, q) => p + q, 0);
        for (let d = 0; d < D; d++) merged[i * C + h * D + d] = e.reduce((acc, w, j) => acc + (w / z) * qkv(j, 2 * C + h * D + d), 0);
      }
    }
    for (let i = 0; i < T; i++) {
      for (let o = 0; o < C; o++) {
        let s = bo[o];
        for (let c = 0; c < C; c++) s += merged[i * C + c] * Wo[o * C + c];
        out[(b * T + i) * C + o] = s;
      }
    }
  }
  return out;
}

t('CausalSelfAttention equals a naive scalar implementation (float64)', () => {
  for (const [B, T, C, H] of [[1, 1, 4, 1], [2, 5, 6, 3], [1, 7, 8, 2]]) {
    const gen = new I.Generator(B * 100 + T);
    const attn = new CausalSelfAttention(C, H, { dtype: 'float64', generator: gen });
    for (const p of attn.parameters()) I.noGrad(() => I.assign(p, I.randn(p.shape, { dtype: 'float64', generator: gen, std: 0.5 })));
    const x = I.randn([B, T, C], { dtype: 'float64', generator: gen });
    const got = I.noGrad(() => attn.forward(x)).data();
    const want = naiveAttention(x.data() as Float64Array, B, T, C, H, attn.qkv.weight.data() as Float64Array, attn.qkv.bias!.data() as Float64Array, attn.outProj.weight.data() as Float64Array, attn.outProj.bias!.data() as Float64Array);
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-12 * (1 + Math.abs(v)), `[${B},${T},${C},${H}] element ${i}: ${got[i]} vs ${v}`));
  }
});

t('attention gradient w.r.t. its input and weights matches finite differences', () => {
  const gen = new I.Generator(5);
  const attn = new CausalSelfAttention(4, 2, { dtype: 'float64', generator: gen });
  for (const p of attn.parameters()) I.noGrad(() => I.assign(p, I.randn(p.shape, { dtype: 'float64', generator: gen, std: 0.5 })));
  const x = I.randn([2, 3, 4], { dtype: 'float64', generator: gen, requiresGrad: true });
  gradcheck(([x]) => attn.forward(x), [x]);
  gradcheck(() => attn.forward(x), [attn.qkv.weight, attn.outProj.bias!]);
});

t('parameters are named like the PyTorch state dict and load strictly', () => {
  const attn = new CausalSelfAttention(4, 2);
  assert.equal(attn.namedParameters().map(([n, p]) => `${n} ${p.shape.join('×')}`), ['qkv.weight 12×4', 'qkv.bias 12', 'out_proj.weight 4×4', 'out_proj.bias 4']);
  const other = new CausalSelfAttention(4, 2, { generator: new I.Generator(9) });
  attn.loadStateDict(other.stateDict());
  assert.equal(attn.qkv.weight.toArray(), other.qkv.weight.toArray());
  const partial = new Map([...other.stateDict()].slice(1));
  assert.throws(() => attn.loadStateDict(partial), /missing keys \[qkv\.weight\]/);
  const wrong = new Map(other.stateDict()).set('out_proj.bias', I.zeros([5]));
  assert.throws(() => attn.loadStateDict(wrong), /'out_proj\.bias' has shape \[5\] in the checkpoint but \[4\] in the model/);
  assert.throws(() => new CausalSelfAttention(5, 2), /d_model 5 is not divisible by n_heads 2/);
});

t('Linear is x·Wᵀ + b with PyTorch layout and N(0, 0.02²) init', () => {
  const lin = new Linear(300, 200, { generator: new I.Generator(1) });
  const w = Array.from(lin.weight.data());
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std - 0.02) < 0.001, String(std));
  assert.equal(lin.bias!.toArray(), new Array(200).fill(0));
  const small = new Linear(2, 1, { dtype: 'float64' });
  I.noGrad(() => { I.assign(small.weight, I.tensor([[2, 3]], { dtype: 'float64' })); I.assign(small.bias!, I.tensor([1], { dtype: 'float64' })); });
  assert.equal(small.forward(I.tensor([[1, 1], [0, 2]], { dtype: 'float64' })).toArray(), [[6], [7]]);
});

t.run();
