// Child process of gpu.test.ts: `i3 train` (2 steps, checkpoint), `i3 train --resume` (1 more step) and
// `i3 generate` from that checkpoint, all with --backend gpu, then the same training on the cpu. The
// commands run in this one process so that the gpu.js kernels compile once (each new process would
// compile them again: seconds on a software adapter). Usage: cli-run.ts <out dir>
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/train.ts';
import { generateCommand } from '../../src/cli/generate.ts';

const out = process.argv[2];
const gpuDir = join(out, 'gpu'), cpuDir = join(out, 'cpu');
await trainCommand.run(['--preset', 'test', '--steps', '2', '--backend', 'gpu', '--out', gpuDir]);
await trainCommand.run(['--resume', '--steps', '3', '--backend', 'gpu', '--out', gpuDir]);
await generateCommand.run(['--model', join(gpuDir, 'checkpoint'), '--prompt', 'Once upon a time', '--max-new-tokens', '3', '--temperature', '0', '--backend', 'gpu']);
await trainCommand.run(['--preset', 'test', '--steps', '2', '--backend', 'cpu', '--out', join(cpuDir, 'a')]);
await trainCommand.run(['--resume', '--steps', '3', '--backend', 'cpu', '--out', join(cpuDir, 'a')]);
await generateCommand.run(['--model', join(cpuDir, 'a', 'checkpoint'), '--prompt', 'Once upon a time', '--max-new-tokens', '3', '--temperature', '0', '--backend', 'cpu']);
