/** Latency percentiles (ms) of a list of durations. */
export function percentiles(durations: number[]): { p50: number; p99: number } {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5)), p99: round(at(0.99)) };
}

export const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** A side's throughput and latency percentiles (ms) over `ops` operations. */
export interface Throughput {
  ops: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

/** Operations timed one by one: the wall time of all of them and each one's latency. */
export interface Timing {
  seconds: number;
  latencies: number[];
}

/** Runs `op` for the indices `from` … `to - 1`, one after another. */
export async function timeRange(
  op: (i: number) => Promise<void>,
  from: number,
  to: number,
): Promise<Timing> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = from; i < to; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  return { seconds: (performance.now() - start) / 1000, latencies };
}

/**
 * Times the sides of one comparison in alternating slices of the `count` operations,
 * each side running the same indices, the side to go first rotating from slice to slice;
 * each side's throughput is its operations over the time of its own slices. On a machine
 * shared with other work the load moves within seconds: timed one after the other, one
 * side could run in a quiet second and the other in a busy one, and their ratio would
 * measure the neighbours. Interleaved, both sides see the same load.
 */
export async function interleave<K extends string>(
  count: number,
  slices: number,
  sides: Record<K, (from: number, to: number) => Promise<Timing>>,
): Promise<Record<K, Throughput>> {
  const names = Object.keys(sides) as K[];
  const spent = new Map<K, Timing>(names.map((name) => [name, { seconds: 0, latencies: [] }]));
  const n = Math.max(1, Math.min(slices, count));
  for (let s = 0; s < n; s++) {
    const [from, to] = [Math.round((s * count) / n), Math.round(((s + 1) * count) / n)];
    for (let k = 0; k < names.length; k++) {
      const name = names[(s + k) % names.length] as K;
      const timing = await sides[name](from, to);
      const total = spent.get(name) as Timing;
      total.seconds += timing.seconds;
      total.latencies.push(...timing.latencies);
    }
  }
  const result = {} as Record<K, Throughput>;
  for (const [name, { seconds, latencies }] of spent) {
    result[name] = {
      ops: count,
      opsPerSecond: round(count / seconds, 1),
      ...percentiles(latencies),
    };
  }
  return result;
}
