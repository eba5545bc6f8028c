// npm run stress -- [--backend sqlite|postgres|all] [--ops N] [--seconds S] [--workers W] [--no-faults] [--seed N]
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startPostgres } from '../test/support/postgres-server.js';
import { runStress, type StressReport } from './stress.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'all' },
    ops: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '150' },
    workers: { type: 'string', default: '4' },
    'no-faults': { type: 'boolean', default: false },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run stress -- [options]

Randomised writers over hot and cold documents and event streams, every run's history
checked for lost, duplicated and double-applied writes.

  --backend sqlite|postgres|all   (default all)
  --ops N        operations per backend (default 100000)
  --seconds S    time bound per backend (default 150)
  --workers W    worker threads (default 4)
  --no-faults    do not terminate PostgreSQL connections (or restart an embedded
                 server) during the run
  --seed N       replay a run`);
  process.exit(0);
}
const number = (name: string, text: string) => {
  if (!/^[0-9]+$/.test(text)) throw new Error(`--${name} takes a whole number`);
  return Number(text);
};
const backends =
  values.backend === 'all' ? (['sqlite', 'postgres'] as const) : ([values.backend] as const);
const seed =
  values.seed === undefined ? Math.floor(Math.random() * 1e9) : number('seed', values.seed);
const reports: StressReport[] = [];
for (const backend of backends) {
  if (backend !== 'sqlite' && backend !== 'postgres')
    throw new Error('--backend is sqlite, postgres or all');
  const server = backend === 'postgres' ? await startPostgres() : undefined;
  try {
    const report = await runStress({
      backend,
      ...(server ? { url: server.url } : {}),
      ops: number('ops', values.ops),
      seconds: number('seconds', values.seconds),
      workers: number('workers', values.workers),
      faults: !values['no-faults'],
      seed,
      ...(server?.restart && !values['no-faults'] ? { restart: server.restart } : {}),
    });
    reports.push(report);
    const { ok, fail, unknown } = report.byStatus;
    console.log(
      `${backend}: ${report.operations} operations in ${report.seconds} s (${ok} writes accepted, ${fail} refused, ${unknown} unknown), ${report.appends} appends, ${report.faults} connections terminated, ${report.restarts} server restarts, violations: ${report.violations.length}`,
    );
    for (const v of report.violations.slice(0, 20))
      console.log(`  ${v.kind} ${v.key}: ${v.message}`);
  } finally {
    await server?.stop();
  }
}
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, reports }, null, 2)}\n`,
);
console.log(`seed ${seed}; written to stress/results/latest.json`);
process.exitCode = reports.some((r) => r.violations.length > 0) ? 1 : 0;
