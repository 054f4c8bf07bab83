// Micro-tile experiment behind the MR×NR choice in kernels/cpu/matmul.ts: generates the same
// micro-kernel for several tile shapes, runs each on packed panels that stay in L1 (so only the
// kernel's own code is measured), interleaved, best of 40 rounds. Not part of `npm run bench`.
// Run: npx tsx bench/matmul-tiles.ts [MRxNR ...]
const KC = 256;
const SIZE = 1 << 16;

function makeKernel(mr: number, nr: number): (kc: number, ai: number, bi: number, out: Float64Array) => void {
  const acc: string[] = [], loads: string[] = [], fma: string[] = [], store: string[] = [];
  for (let i = 0; i < mr; i++) loads.push(`const a${i} = A[(ai + ${i}) & MASK];`);
  for (let j = 0; j < nr; j++) loads.push(`const b${j} = B[(bi + ${j}) & MASK];`);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      acc.push(`let c${i}_${j} = 0;`);
      fma.push(`c${i}_${j} += a${i} * b${j};`);
      store.push(`out[${i * nr + j}] = c${i}_${j};`);
    }
  }
  const body = `${acc.join('\n')}
    for (let p = 0; p < kc; p++) { ${loads.join('\n')} ${fma.join('\n')} ai = (ai + ${mr}) | 0; bi = (bi + ${nr}) | 0; }
    ${store.join('\n')}`;
  // Each kernel closes over its own constant panels, as the real one uses module constants.
  const A = new Float64Array(SIZE).map(Math.random), B = new Float64Array(SIZE).map(Math.random);
  return new Function('A', 'B', 'MASK', `return function kernel(kc, ai, bi, out) { ${body} };`)(A, B, SIZE - 1);
}

const shapes = process.argv.length > 2 ? process.argv.slice(2) : ['2x4', '2x6', '3x4', '4x3', '3x5', '4x4', '4x8', '6x8', '8x8'];
const kernels = shapes.map((s) => { const [mr, nr] = s.split('x').map(Number); return { s, mr, nr, f: makeKernel(mr, nr), best: 0 }; });
const out = new Float64Array(256);
for (let round = 0; round < 40; round++) {
  for (const k of kernels) {
    const calls = Math.round(3e7 / (2 * k.mr * k.nr * KC));
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) k.f(KC, 0, 0, out);
    k.best = Math.max(k.best, (2 * k.mr * k.nr * KC * calls) / ((performance.now() - t0) * 1e6));
  }
}
console.table(kernels.map((k) => ({ tile: k.s, 'GFLOP/s (L1, best of 40)': Math.round(k.best * 100) / 100 })));
