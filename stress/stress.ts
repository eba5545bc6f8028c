import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { DocumentStore } from '../src/index.js';
import {
  type CheckResult,
  checkHistory,
  type FinalState,
  History,
  type RecordedOperation,
} from '../src/testing/index.js';
import { type BackendConfig, openBackend } from '../test/support/open-backend.js';
import { type Change, chain, model, type State } from './model.js';
import type { WorkerReport, WorkerTask } from './worker.js';

/** One stress run's settings. */
export interface StressOptions {
  readonly backend: 'sqlite' | 'postgres';
  /** PostgreSQL server URL (for `postgres`). */
  readonly url?: string;
  /** Operations in all, spread over the workers. */
  readonly ops: number;
  /** A time bound: workers stop starting operations after this many seconds. */
  readonly seconds: number;
  readonly workers: number;
  /** PostgreSQL: terminate the workers' server connections at random while they run. */
  readonly faults: boolean;
  readonly seed: number;
  /** Stops and starts the PostgreSQL server; called once, `restartAfter` ms into the run. */
  readonly restart?: () => Promise<void>;
  readonly restartAfter?: number;
}

/** What a run did and what the checker found. */
export interface StressReport {
  readonly backend: string;
  readonly seed: number;
  readonly seconds: number;
  readonly operations: number;
  readonly byStatus: CheckResult['counts'];
  readonly appends: number;
  readonly faults: number;
  /** Server restarts during the run. */
  readonly restarts: number;
  readonly violations: readonly { kind: string; key: string; message: string }[];
}

const HOT = 3;
const COLD = 200;
const STREAMS = 5;

/**
 * Runs worker threads over a few hot and many cold documents (updates, resolver merges,
 * session batches, deletes and re-inserts, event appends), then checks every document's
 * history against its final state and every stream's events against the accepted appends.
 */
export async function runStress(options: StressOptions): Promise<StressReport> {
  const target = await prepare(options);
  try {
    const history = new History<Change>();
    await seed(target.config, history);
    const started = Date.now();
    const deadline = started + options.seconds * 1000;
    const faults =
      options.faults && target.url ? injectFaults(target.url, target.appName) : undefined;
    const restarting = options.restart
      ? restartLater(options.restart, options.restartAfter ?? 3000)
      : undefined;
    const reports = await Promise.all(
      Array.from({ length: options.workers }, (_, worker) =>
        runWorker({
          config: target.config,
          worker,
          ops: Math.ceil(options.ops / options.workers),
          deadline,
          seed: options.seed + worker,
          hot: HOT,
          cold: COLD,
          streams: STREAMS,
        }),
      ),
    );
    const restarts = (await restarting?.done()) ?? 0;
    const injected = (await faults?.stop()) ?? 0;
    const seconds = (Date.now() - started) / 1000;
    for (const report of reports) history.merge(report.operations as RecordedOperation<Change>[]);
    const result = checkHistory(history, await finals(target.config), model);
    const streamViolations = await checkStreams(target.config, reports);
    return {
      backend: options.backend,
      seed: options.seed,
      seconds: Math.round(seconds * 10) / 10,
      operations: reports.reduce((n, r) => n + r.done, 0),
      byStatus: result.counts,
      appends: reports.reduce((n, r) => n + r.appends.length, 0),
      faults: injected,
      restarts,
      violations: [...result.violations, ...streamViolations].map(({ kind, key, message }) => ({
        kind,
        key,
        message,
      })),
    };
  } finally {
    await target.cleanup();
  }
}

async function prepare(options: StressOptions) {
  if (options.backend === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'noclobber-stress-'));
    return {
      config: { kind: 'sqlite', filename: join(dir, 'stress.db') } as BackendConfig,
      url: undefined,
      appName: '',
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  if (!options.url) throw new Error('A PostgreSQL stress run needs a server URL');
  const schema = `nc_stress_${randomBytes(5).toString('hex')}`;
  const appName = `noclobber-stress-${schema}`;
  const url = new URL(options.url);
  url.searchParams.set('application_name', appName);
  return {
    config: { kind: 'postgres', url: url.href, schema, max: 4 } as BackendConfig,
    url: options.url,
    appName,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: options.url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

const keys = () => [
  ...Array.from({ length: HOT }, (_, i) => `hot-${i}`),
  ...Array.from({ length: COLD }, (_, i) => `cold-${i}`),
  ...Array.from({ length: HOT }, (_, i) => `merge-${i}`),
];

// Every document starts with a recorded insert, so the model replays it from nothing.
async function seed(config: BackendConfig, history: History<Change>) {
  const store = new DocumentStore({ backend: openBackend(config) });
  const docs = store.collection<State & { id: string }>('docs', { versionField: 'version' });
  const session = store.openSession();
  const invocations = keys().map((id) => {
    session.insert(docs, { id, n: 1, h: chain('', 'seed') });
    return history.invoke('seed', `docs/${id}`, { t: 'ins', tag: 'seed' } as Change, 0);
  });
  await session.saveChanges();
  for (const inv of invocations) inv.ok({ revision: 1, base: 0 });
  await store.close();
}

function runWorker(task: WorkerTask): Promise<WorkerReport> {
  const worker = new Worker(new URL('../test/support/boot-worker.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href, ...task },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (report: WorkerReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once(
      'exit',
      (code) => code !== 0 && reject(new Error(`stress worker exited with ${code}`)),
    );
  });
}

// Reads every document's final revision and state; a deleted one keeps its delete's revision.
async function finals(config: BackendConfig) {
  const backend = openBackend(config);
  const store = new DocumentStore({ backend });
  const docs = store.collection<State & { id: string }>('docs', { versionField: 'version' });
  const ids = keys();
  await store.get(docs, ids[0] as string);
  const live = await backend.read('default', 'docs', ids);
  const stored = await backend.peek('default', 'docs', ids);
  const result = new Map<string, FinalState<State> | null>();
  for (const id of ids) {
    const metadata = stored.get(id);
    const doc = live.get(id);
    result.set(
      `docs/${id}`,
      metadata
        ? { revision: metadata.revision, state: doc ? (JSON.parse(doc.body) as State) : undefined }
        : null,
    );
  }
  await store.close();
  return result;
}

async function checkStreams(config: BackendConfig, reports: WorkerReport[]) {
  const store = new DocumentStore({ backend: openBackend(config) });
  const violations: { kind: string; key: string; message: string }[] = [];
  try {
    for (let s = 0; s < STREAMS; s++) {
      const stream = `stream-${s}`;
      const events = await store.events.readStream(stream);
      const versions = events.map((e) => e.version);
      if (versions.some((v, i) => v !== i + 1)) {
        violations.push({
          kind: 'gap',
          key: stream,
          message: `${stream} versions are not 1..${events.length}`,
        });
      }
      if (new Set(events.map((e) => e.id)).size !== events.length) {
        violations.push({
          kind: 'duplicate-revision',
          key: stream,
          message: `${stream} holds an event twice`,
        });
      }
      const byVersion = new Map(events.map((e) => [e.version, e.id]));
      for (const report of reports) {
        for (const a of report.appends.filter((x) => x.stream === stream)) {
          if (byVersion.get(a.version) !== a.id) {
            violations.push({
              kind: 'lost-update',
              key: stream,
              message: `The accepted append ${a.id} is not at version ${a.version} of ${stream}`,
            });
          }
        }
      }
    }
  } finally {
    await store.close();
  }
  return violations;
}

// Terminates some of the workers' server connections every 150 ms. Each round has a
// connection of its own, so a server restart in between costs one round, not the loop.
function injectFaults(url: string, appName: string) {
  let killed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      try {
        await client.connect();
        const { rows } = await client.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
           WHERE application_name = $1 AND pid <> pg_backend_pid() AND random() < 0.3`,
          [appName],
        );
        killed += rows.filter((r) => r.killed).length;
      } catch {
        // The server is restarting: try again next round.
      } finally {
        await client.end().catch(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return killed;
    },
  };
}

// Restarts the server once, `after` ms into the run, while the workers write.
function restartLater(restart: () => Promise<void>, after: number) {
  let restarted: Promise<number> = Promise.resolve(0);
  const timer = setTimeout(() => {
    restarted = restart().then(() => 1);
  }, after);
  return {
    async done() {
      clearTimeout(timer);
      return restarted;
    },
  };
}
