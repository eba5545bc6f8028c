// npm run stress -- [--backend <name>|all] [--ops N] [--seconds S] [--workers W]
//                   [--lost-replies P] [--no-faults] [--seed N]
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backends as registry } from '../test/support/backends.js';
import { cleanUpAll, registerCleanup } from './cleanup.js';
import { runStress, type StressReport, summary } from './stress.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'all' },
    ops: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '150' },
    workers: { type: 'string', default: '4' },
    'lost-replies': { type: 'string', default: '0.05' },
    'no-faults': { type: 'boolean', default: false },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run stress -- [options]

Randomised writers over hot and cold documents and event streams, directly and through
HTTP, every run's history checked for lost, duplicated and double-applied writes.

  --backend ${[...registry.map((b) => b.name), 'all'].join('|')}   (default all)
  --ops N            operations per backend (default 100000)
  --seconds S        time bound per backend (default 150)
  --workers W        worker threads (default 4)
  --lost-replies P   share of requests whose reply is lost after the database ran them
                     (default 0.05; 0 turns it off)
  --no-faults        no faults at all: no lost replies, no terminated PostgreSQL
                     connections, no embedded server restart
  --seed N           replay a run (the seed is printed first)`);
  process.exit(0);
}
const number = (name: string, text: string) => {
  if (!/^[0-9]+$/.test(text)) throw new Error(`--${name} takes a whole number`);
  return Number(text);
};
const lostReplies = values['no-faults'] ? 0 : Number(values['lost-replies']);
if (!(lostReplies >= 0 && lostReplies <= 1)) throw new Error('--lost-replies is from 0 to 1');
const backends = registry.filter((b) => values.backend === 'all' || values.backend === b.name);
if (backends.length === 0) {
  throw new Error(`--backend is ${registry.map((b) => b.name).join(', ')} or all`);
}
const seed =
  values.seed === undefined ? Math.floor(Math.random() * 1e9) : number('seed', values.seed);
console.log(`seed ${seed} (replay with --seed ${seed})`);

// Every way out removes what the run made: temporary folders, schemas, an embedded server.
// Errors while cleaning up (connections dying with the server) are reported, not fatal.
let aborting = false;
const abort = async (why: string, error: unknown, code: number) => {
  if (error !== undefined) console.error(error);
  if (aborting) return;
  aborting = true;
  console.error(`${why}; seed ${seed}. Cleaning up…`);
  await cleanUpAll();
  process.exit(code);
};
process.on('SIGINT', () => void abort('Interrupted', undefined, 130));
process.on('SIGTERM', () => void abort('Terminated', undefined, 143));
process.on('uncaughtException', (error) => void abort('Crashed', error, 1));
process.on('unhandledRejection', (error) => void abort('Crashed', error, 1));

const reports: StressReport[] = [];
try {
  for (const backend of backends) {
    const server = await backend.startServer?.();
    const stopServer = registerCleanup(async () => server?.stop());
    try {
      const report = await runStress({
        backend: backend.name,
        ...(server ? { url: server.url } : {}),
        ops: number('ops', values.ops),
        seconds: number('seconds', values.seconds),
        workers: number('workers', values.workers),
        faults: !values['no-faults'],
        lostReplies,
        seed,
        ...(server?.restart && !values['no-faults'] ? { restart: server.restart } : {}),
      });
      reports.push(report);
      console.log(summary(report));
      for (const v of report.violations.slice(0, 20))
        console.log(`  ${v.kind} ${v.key}: ${v.message}`);
    } finally {
      await stopServer();
    }
  }
} catch (error) {
  await abort('The run failed', error, 1);
}
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, reports }, null, 2)}\n`,
);
const violations = reports.reduce((n, r) => n + r.violations.length, 0);
console.log(`seed ${seed}; ${violations} violations; written to stress/results/latest.json`);
process.exitCode = violations > 0 ? 1 : 0;
