// The i3 model configuration, its presets, and config.json in the original field names.
// Presets (spec §5): parameter counts are pinned by test/model/presets.test.ts.
//   i3-200m     the card's architecture: 10 hybrid + 6 attention, d 512, 16 heads, d_state 32, L 256, V 32,000 → 73,212,160
//   i3-200m-v2  the 169.85M-consistent reading: 12 RWKV-v4 + 4 attention, d 768, 12 heads, L 256, V 32,000 → 169,847,552
//   i3-80m      the i3-80M code at the vocabulary its released weights imply, V 41,320 → 82,765,160
//   i3-tiny     ~2M parameters with all three block kinds, for the demo; i3-test: a few thousand, for tests

import type { BlockKind } from '../nn/blocks.ts';

/** An i3 model's configuration, with the original config.json's field names. */
export interface I3Config {
  vocab_size: number;
  d_model: number;
  n_heads: number;
  /** State size N of the hybrid blocks' dense state space (unused by other block kinds). */
  d_state: number;
  ffn_mult: number;
  max_seq_len: number;
  /** One entry per layer, in order. */
  block_types: BlockKind[];
}

const repeat = (kind: BlockKind, n: number): BlockKind[] => Array(n).fill(kind);

/** The named configurations (i3-200m, i3-200m-v2, i3-80m, i3-tiny, i3-test). */
export const PRESETS = {
  'i3-200m': { vocab_size: 32000, d_model: 512, n_heads: 16, d_state: 32, ffn_mult: 4, max_seq_len: 256, block_types: [...repeat('hybrid', 10), ...repeat('attention', 6)] },
  'i3-200m-v2': { vocab_size: 32000, d_model: 768, n_heads: 12, d_state: 32, ffn_mult: 4, max_seq_len: 256, block_types: [...repeat('rwkv4', 12), ...repeat('attention', 4)] },
  'i3-80m': { vocab_size: 41320, d_model: 512, n_heads: 16, d_state: 32, ffn_mult: 4, max_seq_len: 256, block_types: [...repeat('hybrid', 10), ...repeat('attention', 6)] },
  'i3-tiny': { vocab_size: 4096, d_model: 128, n_heads: 4, d_state: 16, ffn_mult: 4, max_seq_len: 128, block_types: ['hybrid', 'hybrid', 'rwkv4', 'attention', 'attention'] },
  'i3-test': { vocab_size: 32, d_model: 16, n_heads: 2, d_state: 4, ffn_mult: 4, max_seq_len: 16, block_types: ['hybrid', 'rwkv4', 'attention'] },
} satisfies Record<string, I3Config>;

/** A key of PRESETS. */
export type PresetName = keyof typeof PRESETS;

/** A copy of the preset called `name`; an unknown name is an error listing them. */
export function preset(name: string): I3Config {
  if (!(name in PRESETS)) throw new Error(`unknown preset '${name}' (available: ${Object.keys(PRESETS).join(', ')})`);
  const p = PRESETS[name as PresetName];
  return { ...p, block_types: [...p.block_types] as BlockKind[] };
}

/**
 * Throws, naming the field, unless the configuration is usable (positive sizes, heads dividing d_model,
 * known block kinds).
 */
export function validateConfig(c: I3Config): void {
  const positive = ['vocab_size', 'd_model', 'n_heads', 'd_state', 'ffn_mult', 'max_seq_len'] as const;
  for (const key of positive) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`i3 config: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.d_model % c.n_heads !== 0) throw new Error(`i3 config: d_model ${c.d_model} must be divisible by n_heads ${c.n_heads}`);
  if (!Array.isArray(c.block_types) || c.block_types.length === 0) throw new Error('i3 config: block_types must list at least one block');
  const bad = c.block_types.find((k) => !['hybrid', 'rwkv4', 'attention'].includes(k));
  if (bad) throw new Error(`i3 config: unknown block type '${bad}' (expected hybrid, rwkv4 or attention)`);
}

/**
 * config.json with the original exporter's field names (spec §3.6), holding true values (the
 * original hard-coded d_state 64). `block_types`, `rwkv_layers` and `ffn_mult` are our additions:
 * the original format cannot describe RWKV-v4 layers or interleaved blocks.
 */
export function toConfigJson(c: I3Config, tokenizerType: 'bpe' | 'chunk' = 'bpe'): Record<string, unknown> {
  const count = (k: BlockKind) => c.block_types.filter((b) => b === k).length;
  return {
    architectures: ['i3Model'], model_type: 'i3', vocab_size: c.vocab_size, d_model: c.d_model,
    n_layers: c.block_types.length, n_heads: c.n_heads, max_seq_len: c.max_seq_len,
    conv_layers: count('hybrid'), attn_layers: count('attention'), rwkv_layers: count('rwkv4'),
    d_state: c.d_state, ffn_mult: c.ffn_mult, block_types: c.block_types, tokenizer_type: tokenizerType, torch_dtype: 'float32',
  };
}

/** Reads config.json; without `block_types` the original layout is assumed: hybrids, then attention. */
export function fromConfigJson(json: Record<string, unknown>): I3Config {
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number') throw new Error(`config.json: field '${key}' is missing or not a number (got ${JSON.stringify(json[key])})`);
    return v;
  };
  const blocks = Array.isArray(json.block_types)
    ? (json.block_types as BlockKind[])
    : [...repeat('hybrid', num('conv_layers')), ...repeat('rwkv4', num('rwkv_layers', 0)), ...repeat('attention', num('attn_layers'))];
  const config: I3Config = {
    vocab_size: num('vocab_size'), d_model: num('d_model'), n_heads: num('n_heads'), d_state: num('d_state'),
    ffn_mult: num('ffn_mult', 4), max_seq_len: num('max_seq_len'), block_types: blocks,
  };
  validateConfig(config);
  return config;
}
