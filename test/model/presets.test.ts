// The presets have exactly the parameter counts of spec §5, under the original state-dict names.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { I3Model } from '../../src/model/i3-model.ts';
import { fromConfigJson, preset, toConfigJson, type I3Config } from '../../src/model/config.ts';

const t = suite('i3 presets');

/** Builds without random init (zeros are fast), hands the model to fn, then frees it. */
function withModel<T>(config: I3Config, fn: (m: I3Model) => T): T {
  const model = new I3Model(config, { randomInit: false });
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

const shapes = (m: I3Model) => new Map(m.namedParameters().map(([n, p]) => [n, p.shape.join('×')]));

t('i3-200m (card architecture: 10 hybrid + 6 attention, d512) has 73,212,160 parameters', () => {
  withModel(preset('i3-200m'), (m) => {
    assert.is(m.numParameters(), 73_212_160);
    const s = shapes(m);
    // spec §3.5 state-dict keys and shapes
    const expected: Record<string, string> = {
      'embed.weight': '32000×512', 'pos_embed.weight': '256×512', 'layers.0.ln1.weight': '512',
      'layers.0.hybrid.w_mix': '512', 'layers.0.hybrid.A': '32×32', 'layers.0.hybrid.B': '32×512',
      'layers.0.hybrid.C': '512×32', 'layers.0.hybrid.D': '512', 'layers.9.ffn.0.weight': '2048×512',
      'layers.9.ffn.2.weight': '512×2048', 'layers.10.attn.qkv.weight': '1536×512', 'layers.10.attn.qkv.bias': '1536',
      'layers.15.attn.out_proj.weight': '512×512', 'layers.15.ln2.bias': '512', 'ln_f.weight': '512',
      'head.weight': '32000×512', 'head.bias': '32000',
    };
    for (const [name, shape] of Object.entries(expected)) assert.is(s.get(name), shape, name);
    assert.is(s.size, 2 + 10 * 13 + 6 * 12 + 4); // embed, pos_embed; 13 per hybrid block, 12 per attention block; ln_f, head (2 each)
  });
});

t('i3-200m-v2 (12 RWKV-v4 + 4 attention, d768) has 169,847,552 parameters', () => {
  withModel(preset('i3-200m-v2'), (m) => {
    assert.is(m.numParameters(), 169_847_552);
    const s = shapes(m);
    const expected: Record<string, string> = {
      'layers.0.att.time_decay': '768', 'layers.0.att.time_first': '768', 'layers.0.att.time_mix_k': '1×1×768',
      'layers.0.att.key.weight': '768×768', 'layers.0.att.output.weight': '768×768', 'layers.11.ffn.time_mix_r': '1×1×768',
      'layers.11.ffn.key.weight': '3072×768', 'layers.11.ffn.value.weight': '768×3072', 'layers.11.ffn.receptance.weight': '768×768',
      'layers.12.attn.qkv.weight': '2304×768', 'head.bias': '32000',
    };
    for (const [name, shape] of Object.entries(expected)) assert.is(s.get(name), shape, name);
    assert.is(s.get('layers.0.att.key.bias'), undefined, 'RWKV linears have no bias');
  });
});

t('i3-80m (V 41,320) has 82,765,160 parameters', () => {
  withModel(preset('i3-80m'), (m) => assert.is(m.numParameters(), 82_765_160));
});

t('block parameter counts follow the formulas of spec §5.1', () => {
  const d = 24, n = 5, V = 11, L = 7;
  const config: I3Config = { vocab_size: V, d_model: d, n_heads: 4, d_state: n, ffn_mult: 4, max_seq_len: L, block_types: ['hybrid', 'rwkv4', 'attention'] };
  withModel(config, (m) => {
    const [hybrid, rwkv, attention] = m.layers.items.map((b) => b.numParameters());
    assert.is(hybrid, 4 * d + (2 * d + n * n + 2 * d * n) + 8 * d * d + 5 * d);
    assert.is(rwkv, 13 * d * d + 11 * d);
    assert.is(attention, 12 * d * d + 13 * d);
    assert.is(m.numParameters(), 2 * V * d + V + L * d + 2 * d + hybrid + rwkv + attention);
  });
});

t('small presets: i3-tiny has 1–3M parameters and every block kind', () => {
  withModel(preset('i3-tiny'), (m) => {
    assert.ok(m.numParameters() > 1e6 && m.numParameters() < 3e6, String(m.numParameters()));
    assert.equal(new Set(m.config.block_types), new Set(['hybrid', 'rwkv4', 'attention']));
  });
});

t('config.json uses the original field names with true values, and round-trips', () => {
  const json = toConfigJson(preset('i3-200m'));
  assert.equal(
    { ...json, block_types: undefined },
    { architectures: ['i3Model'], model_type: 'i3', vocab_size: 32000, d_model: 512, n_layers: 16, n_heads: 16, max_seq_len: 256, conv_layers: 10, attn_layers: 6, rwkv_layers: 0, d_state: 32, ffn_mult: 4, block_types: undefined, tokenizer_type: 'bpe', torch_dtype: 'float32' },
  );
  assert.equal(fromConfigJson(json), preset('i3-200m'));
  // the original exporter wrote no block_types: hybrids first, then attention
  const original = { ...json, block_types: undefined, rwkv_layers: undefined, ffn_mult: undefined };
  assert.equal(fromConfigJson(original), preset('i3-200m'));
  assert.throws(() => fromConfigJson({ ...json, d_model: '512' }), /field 'd_model' is missing or not a number/);
  assert.throws(() => fromConfigJson({ ...json, n_heads: 7 }), /d_model 512 must be divisible by n_heads 7/);
});

t.run();
