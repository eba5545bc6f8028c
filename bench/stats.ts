/** Latency percentiles (ms) of a list of durations. */
export function percentiles(durations: number[]): { p50: number; p99: number } {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5)), p99: round(at(0.99)) };
}

export const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Runs `op` for each index in turn; ops/s and latency percentiles. */
export async function timeEach(count: number, op: (i: number) => Promise<void>) {
  const durations: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    durations.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  return { ops: count, opsPerSecond: round(count / seconds, 1), ...percentiles(durations) };
}
