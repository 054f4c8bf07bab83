// The op × backend × dtype × gradient coverage matrix, derived from the op table and the kernels each
// registered backend provides. `npx i3 ops` prints it; the README shows it; a test keeps it complete.

import { listBackends } from '../backend/backend.ts';
import { FLOAT_DTYPES } from '../tensor/dtype.ts';
import { OP_TABLE } from './op.ts';

/** One row of the op × backend × gradient coverage matrix. */
export interface CoverageRow {
  op: string;
  doc: string;
  /** For each backend and float dtype: the kernels the op needs that the backend lacks (empty = covered). */
  missing: Record<string, string[]>;
  /** 'checked': has a backward rule and a domain the finite-difference property test draws from. */
  gradient: 'checked' | 'unchecked' | 'none';
}

/** The coverage matrix, one row per op of the op table, over every registered backend and dtype. */
export function coverage(): CoverageRow[] {
  const backends = listBackends();
  return [...OP_TABLE.values()].map((op) => {
    const missing: Record<string, string[]> = {};
    for (const backend of backends) {
      // Only the dtypes the backend can hold: the gpu backend is float32-only by design.
      for (const dtype of FLOAT_DTYPES.filter((d) => backend.dtypes.includes(d))) {
        missing[`${backend.name} ${dtype}`] = op.kernels.filter((k) => !backend.kernel(k, dtype));
      }
    }
    const gradient = !op.differentiable ? 'none' : op.domain ? 'checked' : 'unchecked';
    return { op: op.name, doc: op.doc, missing, gradient };
  });
}

/** The matrix as a Markdown table: ✓ covered, ✗ missing kernels (named), — not applicable. */
export function coverageMarkdown(rows = coverage()): string {
  const columns = Object.keys(rows[0]?.missing ?? {});
  const header = `| op | ${columns.join(' | ')} | gradient | what it computes |`;
  const rule = `|---|${columns.map(() => '---').join('|')}|---|---|`;
  const mark = { checked: '✓ checked', unchecked: '✗ unchecked', none: '—' };
  const lines = rows.map((r) => {
    const cells = columns.map((c) => (r.missing[c].length === 0 ? '✓' : `✗ ${r.missing[c].join(', ')}`));
    return `| ${r.op} | ${cells.join(' | ')} | ${mark[r.gradient]} | ${r.doc} |`;
  });
  return [header, rule, ...lines].join('\n');
}
