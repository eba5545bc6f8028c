import { Worker } from 'node:worker_threads';
import { DocumentStore } from '../src/index.js';
import {
  type CheckResult,
  checkHistory,
  type FinalState,
  History,
  type RecordedOperation,
} from '../src/testing/index.js';
import { type Audit, installAudit } from '../test/support/audit.js';
import { backendNamed } from '../test/support/backends.js';
import { type BackendConfig, openBackend } from '../test/support/open-backend.js';
import type { Doc } from './context.js';
import { restartLater } from './faults.js';
import { type Change, chain, model, type State } from './model.js';
import { checkStreams } from './streams.js';
import type { WorkerReport, WorkerTask } from './worker.js';

/** One stress run's settings. */
export interface StressOptions extends StressSetup {
  /** The backend's name in the registry (test/support/backends.ts). */
  readonly backend: string;
  /** Operations in all, spread over the workers. */
  readonly ops: number;
  /** A time bound: workers stop starting operations after this many seconds. */
  readonly seconds: number;
  readonly workers: number;
  /** Terminate the workers' server connections at random while they run, where the backend can. */
  readonly faults: boolean;
  /** Stops and starts the run's server; called once, `restartAfter` ms into the run. */
  readonly restart?: () => Promise<void>;
  readonly restartAfter?: number;
}

/** What a backend's stress target is made from (its registry entry's `stressTarget`). */
export interface StressSetup {
  /** The URL of the server the run started, for a backend that has one. */
  readonly url?: string;
  /**
   * The share of requests whose reply is lost after the database ran them (0: none): on
   * PostgreSQL through a proxy that resets the connection, on SQLite by a backend that
   * commits and then throws an ambiguous `TransientError`.
   */
  readonly lostReplies: number;
  readonly seed: number;
}

/** One stress run's database, as the backend's registry entry makes it. */
export interface StressTarget {
  readonly config: BackendConfig;
  /** What the workers connect to: through a lost-reply proxy, when there is one. */
  readonly workerConfig: BackendConfig;
  /** The share of writes whose reply the workers' own backends lose (where no proxy does). */
  readonly workerLostReplies: number;
  /** Replies lost so far outside the workers (by a proxy). */
  lostOutside(): number;
  /** Starts terminating the workers' connections; `stop()` tells how many it terminated. */
  injectFaults?(): { stop(): Promise<number> };
  cleanup(): Promise<void>;
}

/** A broken promise the run found, by kind. */
export interface StressViolation {
  readonly kind: string;
  readonly key: string;
  readonly message: string;
}

/** What a run did and what the checkers found. */
export interface StressReport {
  readonly backend: string;
  readonly seed: number;
  readonly seconds: number;
  readonly operations: number;
  /** Document writes by how they ended. */
  readonly byStatus: CheckResult['counts'];
  readonly appends: number;
  /** Document writes and appends whose outcome was reported unknown. */
  readonly unknown: number;
  /** Connections terminated by the fault injector. */
  readonly faults: number;
  /** Replies lost on purpose. */
  readonly lostReplies: number;
  /** Server restarts during the run. */
  readonly restarts: number;
  readonly violations: readonly StressViolation[];
  /** Violations that are an accepted write missing, and writes applied more than once. */
  readonly lost: number;
  readonly appliedTwice: number;
}

const HOT = 3;
const COLD = 200;
const STREAMS = 5;

// How each kind of violation reads in a summary.
const LOST = new Set(['lost-write', 'lost-update', 'final-revision', 'lost-append']);
const TWICE = new Set([
  'applied-twice',
  'gap',
  'duplicate-revision',
  'append-twice',
  'duplicate-event',
]);

/**
 * Runs worker threads over a few hot and many cold documents (pinned and unpinned
 * writes, sessions, patches, deletes and re-inserts, appends, and the same through HTTP),
 * with faults, then checks every document's history against its final state and every
 * stream against the recorded appends.
 */
export async function runStress(options: StressOptions): Promise<StressReport> {
  const target = await backendNamed(options.backend).stressTarget(options);
  const workers: Worker[] = [];
  let audit: Audit | undefined;
  let faults: { stop(): Promise<number> } | undefined;
  let restarting: ReturnType<typeof restartLater> | undefined;
  try {
    const history = new History<Change>();
    audit = await seed(target.config, history);
    // Faults start once the schema and the seed documents are in place.
    if (options.faults) faults = target.injectFaults?.();
    if (options.restart) restarting = restartLater(options.restart, options.restartAfter ?? 3000);
    const started = Date.now();
    const deadline = started + options.seconds * 1000;
    const reports = await Promise.all(
      Array.from({ length: options.workers }, (_, worker) =>
        runWorker(workers, {
          config: target.workerConfig,
          worker,
          ops: Math.ceil(options.ops / options.workers),
          deadline,
          seed: options.seed + worker,
          hot: HOT,
          cold: COLD,
          streams: STREAMS,
          lostReplies: target.workerLostReplies,
        }),
      ),
    );
    const restarts = (await restarting?.done()) ?? 0;
    const terminated = (await faults?.stop()) ?? 0;
    const seconds = (Date.now() - started) / 1000;
    for (const report of reports) history.merge(report.operations as RecordedOperation<Change>[]);
    const result = checkHistory(history, await finals(target.config, audit), model);
    const appends = reports.flatMap((r) => r.appends);
    const violations = [
      ...result.violations.map(({ kind, key, message }) => ({ kind, key, message })),
      ...(await checkStreams(target.config, STREAMS, appends)),
    ];
    return {
      backend: options.backend,
      seed: options.seed,
      seconds: Math.round(seconds * 10) / 10,
      operations: reports.reduce((n, r) => n + r.done, 0),
      byStatus: result.counts,
      appends: appends.length,
      unknown: result.counts.unknown + appends.filter((a) => a.status === 'unknown').length,
      faults: terminated,
      lostReplies: target.lostOutside() + reports.reduce((n, r) => n + r.lostReplies, 0),
      restarts,
      violations,
      lost: violations.filter((v) => LOST.has(v.kind)).length,
      appliedTwice: violations.filter((v) => TWICE.has(v.kind)).length,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await restarting?.done().catch(() => {});
    await faults?.stop();
    await audit?.close();
    await target.cleanup();
  }
}

/** A one-line summary of a report. */
export function summary(report: StressReport): string {
  const { ok, fail } = report.byStatus;
  const v = report.violations.length;
  const other = v - report.lost - report.appliedTwice;
  return `${report.backend}: ${report.operations} operations in ${report.seconds} s (${ok} writes accepted, ${fail} refused), ${report.appends} appends, ${report.lostReplies} lost replies injected, ${report.faults} connections terminated, ${report.restarts} server restarts, ${report.unknown} unknown outcomes, violations: ${v} (lost ${report.lost}, applied twice ${report.appliedTwice}${other > 0 ? `, other ${other}` : ''}), seed ${report.seed}`;
}

const keys = () => [
  ...Array.from({ length: HOT }, (_, i) => `hot-${i}`),
  ...Array.from({ length: COLD }, (_, i) => `cold-${i}`),
  ...Array.from({ length: HOT }, (_, i) => `merge-${i}`),
];

// Migrates, installs the audit (a trigger that copies every committed row version), and
// starts every document with a recorded insert, so the model replays it from nothing.
async function seed(config: BackendConfig, history: History<Change>): Promise<Audit> {
  const store = new DocumentStore({ backend: openBackend(config) });
  try {
    const docs = store.collection<Doc>('docs', { versionField: 'version' });
    await store.getMetadata(docs, 'hot-0');
    const audit = await installAudit(config);
    const session = store.openSession({ actor: 'seed' });
    const invocations = keys().map((id) => {
      session.insert(docs, { id, n: 1, h: chain('', 'seed') });
      const change: Change = { t: 'ins', tag: 'seed' };
      return history.invoke('seed', `docs/${id}`, change, 0, 'seed');
    });
    await session.saveChanges();
    for (const inv of invocations) inv.ok({ revision: 1, base: 0 });
    return audit;
  } finally {
    await store.close();
  }
}

function runWorker(workers: Worker[], task: WorkerTask): Promise<WorkerReport> {
  const worker = new Worker(new URL('../test/support/boot-worker.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href, ...task },
  });
  workers.push(worker);
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

// Reads every document's final revision and state (a deleted one keeps its delete's
// revision) and its committed versions, each marked by its writer's actor or, for a write
// through HTTP, the `mark` in its body.
async function finals(config: BackendConfig, audit: Audit) {
  const backend = openBackend(config);
  const store = new DocumentStore({ backend });
  try {
    const docs = store.collection<State & { id: string }>('docs', { versionField: 'version' });
    const ids = keys();
    await store.get(docs, ids[0] as string);
    const live = await backend.read('default', 'docs', ids);
    const stored = await backend.peek('default', 'docs', ids);
    const result = new Map<string, FinalState<State> | null>();
    for (const id of ids) {
      const metadata = stored.get(id);
      const doc = live.get(id);
      const versions = (await audit.rows('docs', id)).map((row) => ({
        revision: row.revision,
        mark: row.actor ?? row.mark,
      }));
      result.set(
        `docs/${id}`,
        metadata
          ? {
              revision: metadata.revision,
              state: doc ? (JSON.parse(doc.body) as State) : undefined,
              versions,
            }
          : null,
      );
    }
    return result;
  } finally {
    await store.close();
  }
}
