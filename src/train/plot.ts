// The loss plot of a run: `loss.svg` beside metrics.jsonl, hand-written SVG (no dependency).
// Training loss per step is a polyline, validation loss a line of dots; both axes are linear, with
// "nice" ticks (1, 2 or 5 × 10^k) and labels. session.ts rewrites it at each evaluation and at the end.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One point of a loss curve. */
export interface LossPoint { step: number; loss: number }

const W = 720, H = 420;
const M = { left: 64, right: 24, top: 40, bottom: 52 };
const TRAIN = '#2563eb', VALID = '#ea580c';

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw)), ratio = raw / mag; // 1 ≤ ratio < 10
  const step = mag * (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.sqrt(2) ? 2 : 1); // nearest in log scale
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(0) : String(Number(v.toPrecision(6))));
const f = (v: number) => v.toFixed(1);

/** The SVG text of a loss plot. */
export function lossSvg(train: LossPoint[], validation: LossPoint[], title = 'loss (nats per token)'): string {
  const all = [...train, ...validation];
  if (all.length === 0) throw new Error('no losses to plot: metrics.jsonl has no train or eval lines yet');
  const steps = all.map((p) => p.step), losses = all.map((p) => p.loss);
  const x0 = 0, x1 = Math.max(...steps, 1);
  const lo = Math.min(...losses), hi = Math.max(...losses), pad = (hi - lo) * 0.05 || 0.5;
  const y0 = Math.max(0, lo - pad), y1 = hi + pad;
  const px = (s: number) => M.left + ((s - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (l: number) => H - M.bottom - ((l - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
  ];
  for (const v of ticks(x0, x1)) {
    out.push(`<line x1="${f(px(v))}" y1="${M.top}" x2="${f(px(v))}" y2="${H - M.bottom}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${f(px(v))}" y="${H - M.bottom + 18}" text-anchor="middle">${label(v)}</text>`);
  }
  for (const v of ticks(y0, y1)) {
    out.push(`<line x1="${M.left}" y1="${f(py(v))}" x2="${W - M.right}" y2="${f(py(v))}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${M.left - 8}" y="${f(py(v) + 4)}" text-anchor="end">${label(v)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#374151"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">step</text>`);
  out.push(`<text x="18" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(M.top + H - M.bottom) / 2})">loss</text>`);
  if (train.length > 0) out.push(`<polyline class="train" fill="none" stroke="${TRAIN}" stroke-width="1.5" points="${train.map((p) => `${f(px(p.step))},${f(py(p.loss))}`).join(' ')}"/>`);
  if (validation.length > 1) out.push(`<polyline class="validation" fill="none" stroke="${VALID}" stroke-width="1.5" stroke-dasharray="4 3" points="${validation.map((p) => `${f(px(p.step))},${f(py(p.loss))}`).join(' ')}"/>`);
  for (const p of validation) out.push(`<circle class="validation" cx="${f(px(p.step))}" cy="${f(py(p.loss))}" r="3.5" fill="${VALID}"/>`);
  const lx = W - M.right - 184, ly = M.top + 22;
  out.push(`<rect x="${lx - 8}" y="${ly - 12}" width="176" height="${validation.length ? 42 : 24}" fill="white" stroke="#d1d5db"/>`);
  out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${TRAIN}" stroke-width="2"/><text x="${lx + 32}" y="${ly}">training (last ${train.at(-1)?.loss.toFixed(3) ?? '-'})</text>`);
  if (validation.length) out.push(`<circle cx="${lx + 12}" cy="${ly + 14}" r="3.5" fill="${VALID}"/><text x="${lx + 32}" y="${ly + 18}">validation (last ${validation.at(-1)!.loss.toFixed(3)})</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Reads `dir/metrics.jsonl` and writes `dir/loss.svg` (atomically); returns its path, or null with no metrics yet. */
export function writeLossPlot(dir: string): string | null {
  const metrics = join(dir, 'metrics.jsonl');
  if (!existsSync(metrics)) return null;
  const train: LossPoint[] = [], validation: LossPoint[] = [];
  for (const line of readFileSync(metrics, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { kind: string; step: number; loss: number };
    (e.kind === 'eval' ? validation : train).push({ step: e.step, loss: e.loss });
  }
  if (train.length + validation.length === 0) return null;
  const path = join(dir, 'loss.svg');
  writeFileSync(`${path}.tmp`, lossSvg(train, validation));
  renameSync(`${path}.tmp`, path);
  return path;
}
