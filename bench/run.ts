// The benchmark suite: `npm run bench [-- --backend <name>|all --runs N …]`.
// Never part of `npm test`. PostgreSQL: DATABASE_URL / NOCLOBBER_PG_URL, else embedded.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { backendNamed, backends as registry } from '../test/support/backends.js';
import { chartOf } from './chart.js';
import { guard } from './guarded.js';
import { w1History } from './history.js';
import { w5 } from './queries.js';
import { type Row, rowsOf, type SuiteRun } from './rows.js';
import { formatSpread, spreadOfRuns } from './spread.js';
import { w6 } from './w6.js';
import { watchers, watchProof } from './watchers.js';
import { type Target, w1, w2, w2Apply, w3, w4 } from './workloads.js';

const WORKLOADS = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'guard', 'watch', 'history'];
// Next to the sources, wherever this file was compiled to (see the bench script): the
// bench runs from the repository's root.
const LATEST = join('bench', 'results', 'latest.json');

// The backends of the registry (test/support/backends.ts) that have a bench target.
const benched: readonly string[] = registry.filter((b) => b.benchTarget).map((b) => b.name);
const USAGE = `usage: npm run bench -- [--backend ${[...benched, 'all'].join('|')}] [--runs N] [--scale N]
                        [--workloads w1,w2,w3,w4,w5,w6,guard,watch,history] [--out FILE] [--json]
  --backend    which database to run on (default all)
  --runs       how many times the whole suite runs on each backend (default 3); every
               ratio is reported as its median and range over the runs
  --scale      multiplies operation counts (default 1: W1 3,000 ops, W2 2,000 increments,
               W3 10 rounds, W4 2,000 appends, W6 4,000 ops, guard a stock of 1,000,
               watch 4,000 inserts, W5 2,000 queries of each kind and 20 bulk updates)
  --workloads  which workloads to run (default all); guard: 64 clients race to buy one
               unit at a time from one document until sold out, apply() with a condition
               against a guarded UPDATE, rounds until each side has raced 2 s, every
               round checked for overselling; w5: find() by a unique indexed field
               and by a range sorted on an indexed number, limit 50 (and the same
               queries' statements run on the backend alone, without the store), over
               NOCLOBBER_BENCH_W5_DOCS documents (default 100,000; the target figures
               are for 1,000,000), then updateWhere() of the 1,000 documents of a
               group; watch: 16 writers' inserts with and
               without 10 watchers on the store, then the delay from a commit to each
               watcher at a paced 1,000 inserts/s (every watcher must see every insert);
               history: W1 on a collection with revision history against one without
  --watch-changes N
               with watch: also the live feed's proof, 16 writers inserting N documents
               (1000000 for the full proof) while 4 watchers follow, stopping and resuming
               at random; each must see every insert once, in commit order (logged only)
  --out        where the JSON goes (default bench/results/latest.json); the chart is
               written next to it with the extension .html
  --json       print only the JSON
`;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'all' },
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    workloads: { type: 'string', default: WORKLOADS.join(',') },
    out: { type: 'string', default: LATEST },
    json: { type: 'boolean', default: false },
    'watch-changes': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const scale = Number(values.scale);
const runs = Number(values.runs);
const watchChanges = Number(values['watch-changes']);
const backends = values.backend === 'all' ? benched : [values.backend];
const selected = new Set(values.workloads.split(',').map((w) => w.trim().toLowerCase()));
if (
  !Number.isFinite(scale) ||
  scale <= 0 ||
  scale > 100 ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  runs > 50 ||
  !Number.isSafeInteger(watchChanges) ||
  watchChanges < 0 ||
  [...selected].some((w) => !WORKLOADS.includes(w)) ||
  backends.some((b) => !benched.includes(b))
) {
  process.stderr.write(`bench: bad option\n${USAGE}`);
  process.exit(2);
}
const log = (line: string) => {
  if (!values.json) process.stdout.write(`${line}\n`);
};
const count = (n: number) => Math.max(1, Math.round(n * scale));
const w5Docs = Number(process.env.NOCLOBBER_BENCH_W5_DOCS ?? 100_000);
if (!Number.isSafeInteger(w5Docs) || w5Docs < 1000) {
  process.stderr.write('bench: NOCLOBBER_BENCH_W5_DOCS is a whole number of at least 1,000\n');
  process.exit(2);
}

async function runOn(target: Target): Promise<SuiteRun> {
  const run: SuiteRun = {};
  if (selected.has('w1')) {
    const r = await w1(target, 1000, count(3000));
    run.w1 = r;
    log(
      `  W1 load-modify-save, 1 client: noclobber ${r.noclobber.opsPerSecond} ops/s (p50 ${r.noclobber.p50} ms, p99 ${r.noclobber.p99} ms) · raw ${r.raw.opsPerSecond} ops/s (p50 ${r.raw.p50}, p99 ${r.raw.p99}) · ratio ${r.ratio}`,
    );
    if (r.naive) {
      log(
        `     naive raw (unprepared): ${r.naive.opsPerSecond} ops/s (p50 ${r.naive.p50}, p99 ${r.naive.p99}) · ratio ${r.ratioToNaive}`,
      );
    }
  }
  if (selected.has('history')) {
    const r = await w1History(target, 1000, count(3000));
    run.history = r;
    log(
      `  W1 with revision history (keep ${r.keep}) against without: ${r.on.opsPerSecond} vs ${r.off.opsPerSecond} ops/s (p50 ${r.on.p50} vs ${r.off.p50} ms) · ratio ${r.ratio}`,
    );
  }
  if (selected.has('w2')) {
    const r = await w2(target, 16, count(2000));
    run.w2 = r;
    log(
      `  W2 hot document, 16 writers: noclobber ${r.noclobber.goodput}/s, ${r.noclobber.conflicts} conflicts, p50 ${r.noclobber.p50} ms, p99 ${r.noclobber.p99} ms, lost ${r.noclobber.lost} · raw checked ${r.raw.goodput}/s, ${r.raw.conflicts} conflicts, p99 ${r.raw.p99} ms, lost ${r.raw.lost} · raw atomic ${r.rawAtomic.goodput}/s · ratio ${r.ratio} (to atomic ${r.ratioToAtomic})`,
    );
    for (const [mode, c] of Object.entries(r.contention)) {
      log(
        `     contention '${mode}': ${c.goodput}/s, ${c.conflicts} conflicts, p50 ${c.p50} ms, p99 ${c.p99} ms, lost ${c.lost} · to atomic ${c.ratioToAtomic}`,
      );
    }
  }
  if (selected.has('w2')) {
    run.w2apply = [];
    for (const writers of [16, 64]) {
      const r = await w2Apply(target, writers, count(2000));
      run.w2apply.push(r);
      log(
        `  W2 apply, hot document, ${writers} writers: apply({ $inc }) ${r.apply.goodput}/s (p50 ${r.apply.p50} ms, p99 ${r.apply.p99} ms, lost ${r.apply.lost}) · raw atomic UPDATE ${r.rawAtomic.goodput}/s (p50 ${r.rawAtomic.p50} ms, p99 ${r.rawAtomic.p99} ms) · ratio ${r.ratio}`,
      );
    }
  }
  if (selected.has('w3')) {
    const r = await w3(target, 1000, count(10));
    run.w3 = r;
    log(
      `  W3 batch of 1,000: noclobber ${r.noclobber.docsPerSecond} docs/s · raw ${r.raw.docsPerSecond} docs/s · ratio ${r.ratio}`,
    );
    if (r.naive) {
      log(
        `     naive raw (one UPDATE per document): ${r.naive.docsPerSecond} docs/s · ratio ${r.ratioToNaive}`,
      );
    }
  }
  if (selected.has('w4')) {
    run.w4 = [];
    for (const [writers, streams] of [
      [1, 1],
      [1, 1000],
      [16, 1],
      [16, 1000],
    ] as const) {
      const r = await w4(target, writers, count(2000), streams);
      run.w4.push(r);
      log(
        `  W4 appends, ${writers} writer${writers > 1 ? 's' : ''}, ${streams === 1 ? 'one stream' : `${streams} streams`}: noclobber ${r.noclobber.goodput}/s (p99 ${r.noclobber.p99} ms) · raw ${r.raw.goodput}/s (p99 ${r.raw.p99} ms, ${r.raw.conflicts} retries) · ratio ${r.ratio}`,
      );
    }
  }
  if (selected.has('w5')) {
    const r = await w5(target, w5Docs, count(2000), count(20));
    run.w5 = r;
    const side = (s: { opsPerSecond: number; p50: number; p99: number }) =>
      `${s.opsPerSecond} ops/s (p50 ${s.p50} ms, p99 ${s.p99} ms)`;
    log(
      `  W5 load of ${r.docs.toLocaleString('en')} documents: noclobber ${r.load.noclobber} s · raw ${r.load.raw} s (indexes included)`,
    );
    log(
      `  W5 equality on an indexed field: noclobber ${side(r.equality.noclobber)} · raw ${side(r.equality.raw)} · ratio ${r.equality.ratio}`,
    );
    log(
      `  W5 range, sort, limit 50: noclobber ${side(r.range.noclobber)} · raw ${side(r.range.raw)} · ratio ${r.range.ratio}`,
    );
    log(
      `  W5 bulk update of ${r.bulk.written} documents: updateWhere ${r.bulk.noclobber.opsPerSecond} calls/s (p50 ${r.bulk.noclobber.p50} ms) · raw UPDATE ${r.bulk.raw.opsPerSecond}/s (p50 ${r.bulk.raw.p50} ms) · ratio ${r.bulk.ratio}`,
    );
  }
  if (selected.has('w6')) {
    const r = await w6(target, 16, 64, count(4000));
    run.w6 = r;
    log(
      `  W6 load-modify-save, 16 clients, own documents: noclobber ${r.noclobber.opsPerSecond} ops/s (p50 ${r.noclobber.p50} ms, p99 ${r.noclobber.p99} ms) · raw ${r.raw.opsPerSecond} ops/s (p50 ${r.raw.p50}, p99 ${r.raw.p99}) · ratio ${r.ratio}`,
    );
  }
  if (selected.has('watch')) {
    const r = await watchers(target, 10, count(4000), 1000);
    run.watch = r;
    log(
      `  Watch, 16 writers with and without ${r.watchers} watchers: ${r.watched} vs ${r.quiet} inserts/s · ratio ${r.ratio} · commit to watcher at ${r.achievedRate}/s (target ${r.rate}/s): p50 ${r.p50} ms, p99 ${r.p99} ms`,
    );
    if (watchChanges > 0) {
      const p = await watchProof(target, 4, watchChanges);
      log(
        `  Watch proof: ${p.changes.toLocaleString('en')} inserts at ${p.insertsPerSecond}/s, ${p.watchers} watchers resuming at random each saw every one once, in commit order (caught up ${p.caughtUpMs} ms after the last insert)`,
      );
    }
  }
  if (selected.has('guard')) {
    const r = await guard(target, 64, count(1000));
    run.guard = r;
    const side = (s: typeof r.raw) =>
      `${s.goodput}/s (p50 ${s.p50} ms, p99 ${s.p99} ms, ${s.rounds} rounds, ${s.oversold} oversold)`;
    log(
      `  Guard, ${r.clients} clients race for ${r.stock.toLocaleString('en')} units: apply(guarded $inc) ${side(r.noclobber)} · raw guarded UPDATE ${side(r.raw)} · ratio ${r.ratio}`,
    );
  }
  return run;
}

/** Every run on one backend, each on fresh tables (PostgreSQL) or files (SQLite). */
async function runsOn(backend: string, dir: string): Promise<SuiteRun[]> {
  const done: SuiteRun[] = [];
  const entry = backendNamed(backend);
  const server = await entry.startServer?.();
  try {
    for (let i = 1; i <= runs; i++) {
      log(`\n${backend}, run ${i} of ${runs}`);
      const target = await entry.benchTarget?.({ dir: join(dir, `run-${i}`), url: server?.url });
      if (!target) throw new Error(`${backend} has no bench target`);
      try {
        done.push(await runOn(target));
      } finally {
        await target.cleanup();
      }
    }
  } finally {
    await server?.stop();
  }
  return done;
}

const dir = await mkdtemp(join(tmpdir(), 'noclobber-bench-'));
const results = [];
try {
  for (const backend of backends) {
    const done = await runsOn(backend, dir);
    const rows = done.map((run) => rowsOf(run));
    results.push({
      backend,
      summary: spreadOfRuns(rows),
      runs: done.map((run, i) => ({ ...run, rows: rows[i] as Row[] })),
    });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

for (const { backend, summary } of results) {
  log(
    `\n${backend}: noclobber over hand-written, median (min–max) of ${runs} run${runs > 1 ? 's' : ''}`,
  );
  for (const s of summary) {
    log(
      `  ${`${s.id}`.padEnd(14)} ${formatSpread(s.ratio).padEnd(20)} noclobber ${formatSpread(s.noclobber, 0)} · ${s.against} ${formatSpread(s.baseline, 0)} ${s.unit} · ${s.label}`,
    );
  }
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  scale,
  runs,
  workloads: [...selected],
  results,
};
const out = resolve(values.out);
const chart = `${out.replace(/\.json$/, '')}.html`;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
await writeFile(
  chart,
  chartOf(
    `noclobber against hand-written code, ${report.date.slice(0, 10)}, ${runs} run${runs > 1 ? 's' : ''}, Node ${process.version}`,
    results.map((r) => ({ backend: r.backend, runs: r.runs.map((run) => run.rows) })),
  ),
);
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else log(`\nwritten to ${out} and ${chart}`);
