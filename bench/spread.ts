import type { Row } from './rows.js';

/** The smallest, median and largest of some figures. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** The spread of `values` (at least one). */
export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (i: number) => sorted[i] as number;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return { min: at(0), median: Number(median.toFixed(2)), max: at(sorted.length - 1) };
}

/** One comparison over every run: the spread of noclobber's figure, the baseline's and the ratio. */
export interface RowSpread {
  id: string;
  label: string;
  unit: string;
  against: string;
  runs: number;
  noclobber: Spread;
  baseline: Spread;
  ratio: Spread;
}

/** Matches the rows of several runs by id, in the order of their first appearance. */
export function spreadOfRuns(runs: Row[][]): RowSpread[] {
  const byId = new Map<string, Row[]>();
  for (const rows of runs) {
    for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  }
  return [...byId.values()].map((rows) => {
    const first = rows[0] as Row;
    return {
      id: first.id,
      label: first.label,
      unit: first.unit,
      against: first.against,
      runs: rows.length,
      noclobber: spreadOf(rows.map((r) => r.noclobber)),
      baseline: spreadOf(rows.map((r) => r.baseline)),
      ratio: spreadOf(rows.map((r) => r.ratio)),
    };
  });
}

/** `0.89 (0.85–0.93)`: the median and, with more than one run, the range. */
export function formatSpread(s: Spread, digits = 2): string {
  const f = (x: number) => x.toFixed(digits);
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}
