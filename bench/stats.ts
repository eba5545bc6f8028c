/** Latency percentiles and throughput of a list of per-operation durations (ms). */
export interface Summary {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

export function summarize(durations: number[], seconds: number): Summary {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    ops: durations.length,
    seconds,
    opsPerSecond: durations.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
  };
}

/** Runs `op` for each index in turn and times each call. */
export async function timeEach(
  count: number,
  op: (i: number) => Promise<void> | void,
): Promise<Summary> {
  const durations: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    durations.push(performance.now() - t);
  }
  return summarize(durations, (performance.now() - start) / 1000);
}
