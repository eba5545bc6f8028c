import type { guard } from './guarded.js';
import type { w1History } from './history.js';
import type { w5 } from './queries.js';
import type { w6 } from './w6.js';
import type { watchers } from './watchers.js';
import type { w1, w2, w2Apply, w3, w4 } from './workloads.js';

/** What one run of the suite on one backend measured, by workload (each one optional). */
export interface SuiteRun {
  w1?: Awaited<ReturnType<typeof w1>>;
  w2?: Awaited<ReturnType<typeof w2>>;
  w2apply?: Awaited<ReturnType<typeof w2Apply>>[];
  w3?: Awaited<ReturnType<typeof w3>>;
  w4?: Awaited<ReturnType<typeof w4>>[];
  w5?: Awaited<ReturnType<typeof w5>>;
  w6?: Awaited<ReturnType<typeof w6>>;
  guard?: Awaited<ReturnType<typeof guard>>;
  watch?: Awaited<ReturnType<typeof watchers>>;
  history?: Awaited<ReturnType<typeof w1History>>;
}

/** One comparison: noclobber's throughput against one hand-written baseline. */
export interface Row {
  /** Stable across runs, e.g. `W1` or `W3 naive`: rows of different runs match by it. */
  id: string;
  label: string;
  unit: string;
  noclobber: number;
  baseline: number;
  /**
   * Which hand-written code: `prepared` (the best), `naive`, `checked loop`, `atomic UPDATE`,
   * `guarded UPDATE`.
   */
  against: string;
  ratio: number;
}

/** The comparisons of one run, in the order the suite prints them. */
export function rowsOf(run: SuiteRun): Row[] {
  const rows: Row[] = [];
  const add = (
    id: string,
    label: string,
    unit: string,
    noclobber: number,
    baseline: number,
    against: string,
    ratio: number,
  ) => rows.push({ id, label, unit, noclobber, baseline, against, ratio });
  const { w1, w2, w3, w4, w5, w6, guard, watch } = run;
  if (w1) {
    const [nc, raw] = [w1.noclobber.opsPerSecond, w1.raw.opsPerSecond];
    add('W1', 'load-modify-save, 1 client', 'ops/s', nc, raw, 'prepared', w1.ratio);
    if (w1.naive && w1.ratioToNaive !== undefined) {
      const naive = w1.naive.opsPerSecond;
      add('W1 naive', 'load-modify-save, 1 client', 'ops/s', nc, naive, 'naive', w1.ratioToNaive);
    }
  }
  if (w2) {
    const label = `hot document, ${w2.writers} writers`;
    const [nc, checked] = [w2.noclobber.goodput, w2.raw.goodput];
    add('W2', `${label}, retries`, 'accepted/s', nc, checked, 'checked loop', w2.ratio);
    for (const [mode, r] of Object.entries(w2.contention)) {
      const atomic = w2.rawAtomic.goodput;
      add(
        `W2 ${mode}`,
        `${label}, '${mode}'`,
        'accepted/s',
        r.goodput,
        atomic,
        'atomic UPDATE',
        r.ratioToAtomic,
      );
    }
  }
  for (const r of run.w2apply ?? []) {
    const label = `hot document, ${r.writers} writers, apply({ $inc })`;
    const [nc, atomic] = [r.apply.goodput, r.rawAtomic.goodput];
    add(`W2 apply ${r.writers}w`, label, 'accepted/s', nc, atomic, 'atomic UPDATE', r.ratio);
  }
  if (w3) {
    const nc = w3.noclobber.docsPerSecond;
    const label = `batch of ${w3.docs.toLocaleString('en')}`;
    add('W3', label, 'docs/s', nc, w3.raw.docsPerSecond, 'prepared', w3.ratio);
    if (w3.naive && w3.ratioToNaive !== undefined) {
      add('W3 naive', label, 'docs/s', nc, w3.naive.docsPerSecond, 'naive', w3.ratioToNaive);
    }
  }
  for (const r of w4 ?? []) {
    const streams = r.streams === 1 ? 'one stream' : `${r.streams} streams`;
    const label = `appends, ${r.writers} writer${r.writers > 1 ? 's' : ''}, ${streams}`;
    const id = `W4 ${r.writers}w ${r.streams}s`;
    add(id, label, 'appends/s', r.noclobber.goodput, r.raw.goodput, 'prepared', r.ratio);
  }
  if (w5) {
    const over = `over ${w5.docs.toLocaleString('en')} documents`;
    const [eq, range, bulk] = [w5.equality, w5.range, w5.bulk];
    const q = (r: typeof eq) => [r.noclobber.opsPerSecond, r.raw.opsPerSecond] as const;
    add(
      'W5 equality',
      `find by an indexed field ${over}`,
      'queries/s',
      ...q(eq),
      'prepared',
      eq.ratio,
    );
    add(
      'W5 range',
      `range, sort, limit 50 ${over}`,
      'queries/s',
      ...q(range),
      'prepared',
      range.ratio,
    );
    // What the store adds: the same queries' statements run on the backend alone.
    for (const [id, r] of [
      ['W5 equality statement', eq],
      ['W5 range statement', range],
    ] as const) {
      const label = `${id.slice(3, -10)}: noclobber's statement alone, no store ${over}`;
      add(
        id,
        label,
        'queries/s',
        r.statement.opsPerSecond,
        r.raw.opsPerSecond,
        'prepared',
        r.statementRatio,
      );
    }
    const [nc, raw] = [bulk.noclobber.opsPerSecond, bulk.raw.opsPerSecond];
    const label = `updateWhere of ${bulk.written.toLocaleString('en')} documents ${over}`;
    add('W5 bulk update', label, 'calls/s', nc, raw, 'UPDATE … WHERE', bulk.ratio);
  }
  if (w6) {
    const label = `load-modify-save, ${w6.clients} clients, own documents`;
    add('W6', label, 'ops/s', w6.noclobber.opsPerSecond, w6.raw.opsPerSecond, 'prepared', w6.ratio);
  }
  if (watch) {
    const label = `16 writers with ${watch.watchers} watchers`;
    add('Watch', label, 'inserts/s', watch.watched, watch.quiet, 'no watcher', watch.ratio);
  }
  if (guard) {
    const label = `guarded decrement race, ${guard.clients} clients`;
    const [nc, raw] = [guard.noclobber.goodput, guard.raw.goodput];
    add(`Guard ${guard.clients}w`, label, 'accepted/s', nc, raw, 'guarded UPDATE', guard.ratio);
  }
  return rows;
}
