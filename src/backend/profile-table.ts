// The profiler's report as the readable tables `i3 train --profile` and `i3 generate --profile` print:
// time per op split by phase (forward, backward, optimizer), the time outside any op, allocations,
// and time per kernel with the matmul share. Every figure is per step (the caller's unit).

import type { ProfileReport } from './profile.ts';

const PHASE_ORDER = ['forward', 'backward', 'optimizer'];

/** Formats `r` with every figure divided by r.steps; `unit` names a step (iteration, token). */
export function formatProfile(r: ProfileReport, unit = 'step', maxRows = 25): string {
  const steps = Math.max(1, r.steps);
  const per = (x: number) => x / steps;
  const ms = (x: number) => per(x).toFixed(2);
  const calls = (x: number) => formatCount(per(x));
  const pct = (x: number) => (r.ms > 0 ? `${((100 * x) / r.ms).toFixed(1)} %` : '-');
  const phases = [...new Set(r.ops.map((o) => o.phase))].sort((a, b) => rank(a) - rank(b));

  const byOp = new Map<string, Map<string, { ms: number; calls: number }>>();
  for (const o of r.ops) {
    if (!byOp.has(o.op)) byOp.set(o.op, new Map());
    byOp.get(o.op)!.set(o.phase, { ms: o.ms, calls: o.calls });
  }
  const totalOf = (m: Map<string, { ms: number }>) => [...m.values()].reduce((s, x) => s + x.ms, 0);
  const rows = [...byOp.entries()].sort((a, b) => totalOf(b[1]) - totalOf(a[1]));
  const inOps = r.ops.reduce((s, o) => s + o.ms, 0);

  const header = ['op', ...phases.flatMap((p) => [`${p} ms`, 'calls']), 'total ms', 'share'];
  const table: string[][] = [];
  const shown = rows.slice(0, maxRows);
  for (const [op, m] of shown) {
    table.push([op, ...phases.flatMap((p) => (m.has(p) ? [ms(m.get(p)!.ms), calls(m.get(p)!.calls)] : ['', ''])), ms(totalOf(m)), pct(totalOf(m))]);
  }
  if (rows.length > shown.length) {
    const rest = rows.slice(maxRows).reduce((s, [, m]) => s + totalOf(m), 0);
    table.push([`(${rows.length - shown.length} other ops)`, ...phases.flatMap(() => ['', '']), ms(rest), pct(rest)]);
  }
  const outside = Math.max(0, r.ms - inOps);
  table.push(['(outside ops: modules, graph walk, scopes, GC)', ...phases.flatMap(() => ['', '']), ms(outside), pct(outside)]);
  table.push(['total', ...phases.flatMap((p) => {
    const inPhase = r.ops.filter((o) => o.phase === p);
    return [ms(inPhase.reduce((s, o) => s + o.ms, 0)), calls(inPhase.reduce((s, o) => s + o.calls, 0))];
  }), ms(r.ms), pct(r.ms)]);

  const matmul = r.kernels.find((k) => k.kernel === 'matmul');
  const kernelRows = r.kernels.slice(0, 12).map((k) => [k.kernel, ms(k.ms), calls(k.calls), pct(k.ms)]);
  const kernelTotal = r.kernels.reduce((s, k) => s + k.ms, 0);
  kernelRows.push(['all kernels', ms(kernelTotal), calls(r.kernels.reduce((s, k) => s + k.calls, 0)), pct(kernelTotal)]);

  const a = r.allocations;
  return [
    `profile: ${r.steps} ${unit}${r.steps === 1 ? '' : 's'}, ${ms(r.ms)} ms per ${unit}; matmul kernel ${matmul ? pct(matmul.ms) : '0 %'} of the time`,
    `allocations per ${unit}: ${calls(a.storages)} storages (${(per(a.bytes) / 1e6).toFixed(2)} MB), ${calls(a.tensors)} tensors (views included)`,
    '',
    `time per op (self time: nested ops are counted in their own row), per ${unit}`,
    alignTable(header, table),
    '',
    `time per kernel, per ${unit}`,
    alignTable(['kernel', 'ms', 'calls', 'share'], kernelRows),
  ].join('\n');
}

const rank = (phase: string) => { const i = PHASE_ORDER.indexOf(phase); return i < 0 ? PHASE_ORDER.length : i; };

function formatCount(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
function alignTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  return all.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}
