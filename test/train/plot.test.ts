// loss.svg from metrics.jsonl: well-formed (balanced tags), one polyline point per logged step, every
// coordinate inside the view box, round ticks; and no file before any metrics exist.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lossSvg, ticks, writeLossPlot } from '../../src/train/plot.ts';

const t = suite('loss plot');

/** Throws unless every opening tag is closed in order; returns the tags' names. */
function parseTags(svg: string): string[] {
  const stack: string[] = [], names: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:[^>"]|"[^"]*")*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) { assert.is(stack.pop(), name, `</${name}> closes <${stack.at(-1)}>`); continue; }
    names.push(name);
    if (!selfClose) stack.push(name);
  }
  assert.equal(stack, [], 'every tag is closed');
  return names;
}

const attr = (tag: string, name: string) => /* the value of name="…" */ new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];

t('writes loss.svg from metrics.jsonl: balanced tags, one point per step, inside the view box', () => {
  const dir = mkdtempSync(join(tmpdir(), 'i3-plot-'));
  try {
    const lines: string[] = [];
    for (let step = 1; step <= 137; step++) {
      lines.push(JSON.stringify({ kind: 'train', step, steps: 137, loss: 7 * Math.exp(-step / 40) + 1.5 + 0.1 * Math.sin(step), lr: 1e-3 }));
      if (step % 25 === 0 || step === 137) lines.push(JSON.stringify({ kind: 'eval', step, loss: 6 * Math.exp(-step / 40) + 2, perplexity: 1 }));
    }
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
    const path = writeLossPlot(dir);
    assert.is(path, join(dir, 'loss.svg'));
    const svg = readFileSync(path!, 'utf8');
    const tags = parseTags(svg);
    assert.is(tags[0], 'svg');
    const [, , w, h] = attr(svg, 'viewBox')!.split(' ').map(Number);
    const train = /<polyline class="train"[^>]*>/.exec(svg)![0];
    const points = attr(train, 'points')!.split(' ').map((p) => p.split(',').map(Number));
    assert.is(points.length, 137);
    const circles = [...svg.matchAll(/<circle class="validation"[^>]*>/g)].map((m) => [Number(attr(m[0], 'cx')), Number(attr(m[0], 'cy'))]);
    assert.is(circles.length, 6, 'one dot per evaluation');
    for (const [x, y] of [...points, ...circles]) assert.ok(x >= 0 && x <= w && y >= 0 && y <= h, `(${x}, ${y}) inside 0 0 ${w} ${h}`);
    assert.ok(points.every(([x], i) => i === 0 || x > points[i - 1][0]), 'steps go left to right');
    assert.ok(points[0][1] < points[136][1], 'the higher first loss is drawn higher (smaller y)');
    for (const label of ['step', 'loss', 'training', 'validation']) assert.ok(svg.includes(`>${label}`), label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('ticks are round numbers covering the range', () => {
  assert.equal(ticks(0, 137), [0, 20, 40, 60, 80, 100, 120]);
  assert.equal(ticks(1.3, 8.9), [2, 3, 4, 5, 6, 7, 8]);
  assert.equal(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

t('one step still plots inside the box; no metrics, no file; no losses at all is an error', () => {
  const svg = lossSvg([{ step: 1, loss: 5 }], []);
  parseTags(svg);
  const [x, y] = attr(/<polyline[^>]*>/.exec(svg)![0], 'points')!.split(',').map(Number);
  assert.ok(Number.isFinite(x) && Number.isFinite(y) && x <= 720 && y <= 420);
  const dir = mkdtempSync(join(tmpdir(), 'i3-plot-'));
  try { assert.is(writeLossPlot(dir), null); } finally { rmSync(dir, { recursive: true, force: true }); }
  assert.throws(() => lossSvg([], []), /no losses to plot/);
});

t.run();
