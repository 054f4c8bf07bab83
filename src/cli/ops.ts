// `i3 ops`: prints the op × backend × dtype × gradient coverage matrix from the op table.

import '../index.ts';
import '../backend/gpu.ts'; // registers the gpu backend, so its column shows (no device is opened)
import { coverage, coverageMarkdown } from '../ops/coverage.ts';
import type { Command } from './main.ts';

/** `i3 ops`. */
export const opsCommand: Command = {
  summary: 'print the op × backend × gradient coverage matrix',
  run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      console.log('usage: i3 ops [--json]\n\nPrints every op in the op table, whether each backend has its kernels in the float dtypes it holds (cpu: float32 and float64; gpu: float32),\nand whether its gradient is checked against finite differences.');
      return;
    }
    console.log(args.includes('--json') ? JSON.stringify(coverage(), null, 2) : coverageMarkdown());
  },
};
