// The benchmark suite: `npm run bench [-- --backend sqlite|postgres|all --scale N --json]`.
// Never part of `npm test`. PostgreSQL: DATABASE_URL / NOCLOBBER_PG_URL, else embedded.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../test/support/postgres-server.js';
import { postgresTarget, sqliteTarget } from './targets.js';
import { type Target, w1, w2, w3, w4 } from './workloads.js';

const USAGE = `usage: npm run bench -- [--backend sqlite|postgres|all] [--scale N] [--json]
  --backend  which database to run on (default all)
  --scale    multiplies operation counts (default 1: W1 3,000 ops, W2 2,000 increments, W3 5 rounds, W4 2,000 appends)
  --json     print only the JSON written to bench/results/latest.json
`;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'all' },
    scale: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const scale = Number(values.scale);
const backends = values.backend === 'all' ? ['sqlite', 'postgres'] : [values.backend];
if (
  !Number.isFinite(scale) ||
  scale <= 0 ||
  scale > 100 ||
  backends.some((b) => b !== 'sqlite' && b !== 'postgres')
) {
  process.stderr.write(`bench: bad option\n${USAGE}`);
  process.exit(2);
}
const log = (line: string) => {
  if (!values.json) process.stdout.write(`${line}\n`);
};
const count = (n: number) => Math.max(1, Math.round(n * scale));

async function runOn(target: Target) {
  log(`\n${target.backend}`);
  const r1 = await w1(target, 1000, count(3000));
  log(
    `  W1 load-modify-save, 1 client: noclobber ${r1.noclobber.opsPerSecond} ops/s (p50 ${r1.noclobber.p50} ms, p99 ${r1.noclobber.p99} ms) · raw ${r1.raw.opsPerSecond} ops/s (p50 ${r1.raw.p50}, p99 ${r1.raw.p99}) · ratio ${r1.ratio}`,
  );
  const r2 = await w2(target, 16, count(2000));
  log(
    `  W2 hot document, 16 writers: noclobber ${r2.noclobber.goodput}/s, ${r2.noclobber.conflicts} conflicts, p50 ${r2.noclobber.p50} ms, p99 ${r2.noclobber.p99} ms, lost ${r2.noclobber.lost} · raw checked ${r2.raw.goodput}/s, ${r2.raw.conflicts} conflicts, p99 ${r2.raw.p99} ms, lost ${r2.raw.lost} · raw atomic ${r2.rawAtomic.goodput}/s · ratio ${r2.ratio} (to atomic ${r2.ratioToAtomic})`,
  );
  for (const [mode, r] of Object.entries(r2.contention)) {
    log(
      `     contention '${mode}': ${r.goodput}/s, ${r.conflicts} conflicts, p50 ${r.p50} ms, p99 ${r.p99} ms, lost ${r.lost} · to atomic ${r.ratioToAtomic}`,
    );
  }
  const r3 = await w3(target, 1000, count(5));
  log(
    `  W3 batch of 1,000: noclobber ${r3.noclobber.docsPerSecond} docs/s · raw ${r3.raw.docsPerSecond} docs/s · ratio ${r3.ratio}`,
  );
  const r4 = [];
  for (const [writers, streams] of [
    [1, 1],
    [1, 1000],
    [16, 1],
    [16, 1000],
  ] as const) {
    const r = await w4(target, writers, count(2000), streams);
    r4.push(r);
    log(
      `  W4 appends, ${writers} writer${writers > 1 ? 's' : ''}, ${streams === 1 ? 'one stream' : `${streams} streams`}: noclobber ${r.noclobber.goodput}/s (p99 ${r.noclobber.p99} ms) · raw ${r.raw.goodput}/s (p99 ${r.raw.p99} ms, ${r.raw.conflicts} retries) · ratio ${r.ratio}`,
    );
  }
  return { backend: target.backend, w1: r1, w2: r2, w3: r3, w4: r4 };
}

const dir = await mkdtemp(join(tmpdir(), 'noclobber-bench-'));
const results = [];
try {
  for (const backend of backends) {
    if (backend === 'sqlite') {
      results.push(await runOn(sqliteTarget(dir)));
    } else {
      const server = await startPostgres();
      const target = postgresTarget(server.url);
      try {
        results.push(await runOn(target));
      } finally {
        await target.cleanup();
        await server.stop();
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const report = { date: new Date().toISOString(), node: process.version, scale, results };
const out = new URL('./results/', import.meta.url);
await mkdir(out, { recursive: true });
await writeFile(new URL('latest.json', out), `${JSON.stringify(report, null, 2)}\n`);
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else log('\nwritten to bench/results/latest.json');
