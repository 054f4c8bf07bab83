// One measured number from a bench/*.bench.ts module, optionally beside the same measurement for a
// peer library in the same run (ratio = value / peerValue, so > 1 means ours is better when higher is better).
export interface BenchResult {
  name: string;
  /** Unit of `value` and `peerValue`, e.g. 'GFLOP/s' or 'ms'. */
  metric: string;
  value: number;
  peer?: string;
  peerValue?: number;
  ratio?: number;
}
