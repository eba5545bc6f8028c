import {
  AlreadyLandedError,
  type AppendOutcome,
  type Backend,
  type ChangesFilter,
  type DocumentKey,
  type FoundDocument,
  type LandedWrite,
  type PastBudget,
  type RevisionPrune,
  type RevisionRange,
  type StoredChange,
  type StoredDocument,
  type StoredEvent,
  type StoredRevision,
  type StreamAppend,
  type StreamRange,
  type Write,
  type WriteOutcome,
} from '../backends/kit/backend.js';
import type { BulkOutcome, BulkWrite } from '../backends/kit/bulk.js';
import { type IndexSpec, UniqueViolation } from '../backends/kit/indexes.js';
import { isInsertBatch } from '../backends/kit/insert-batch.js';
import type { NormalizedQuery } from '../backends/kit/query-sql.js';
import { Coalesced } from '../core/coalesced.js';
import { TransientError } from '../core/errors.js';
import type { DocumentMetadata } from '../core/metadata.js';
import { sleep } from '../core/sleep.js';
import { bulkLanded } from './bulk-landed.js';
import { type UniqueIndexes, uniqueConstraintError } from './unique.js';
import { Wake } from './wake.js';

/** How the runtime tries again when the database fails (never when a check fails). */
export interface TransientRetry {
  /** Tries of one call in all. Default 6. */
  readonly attempts: number;
  /** The first pause, in ms; pauses double, with full jitter. Default 20. */
  readonly delay: number;
}

const DEFAULT_RETRY: TransientRetry = { attempts: 6, delay: 20 };

/**
 * The fewest inserts a batch holds to take a backend's bulk insert path: below it the
 * batch statement's locking pass costs little, and one-call writes and small sessions
 * keep the path every other write takes.
 */
export const BULK_INSERT_MIN = 64;

/**
 * The one layer between the store and its backend that deals with failures of the
 * database: backends report, this layer decides.
 *
 * - Reads are tried again on a `TransientError`; they are always safe to repeat.
 * - A commit or append is sent again, with the same tokens, after a failure. That is
 *   safe even when the first try committed and its reply was lost: the backend's write
 *   log refuses a second commit of one token (`AlreadyLandedError`).
 * - What landed is read from the write log, never guessed from the document, which
 *   may have moved on since: a token found there committed, once.
 * - Where the log cannot settle it (a re-send that failed its checks, and no record of
 *   the first try), the caller gets the first ambiguous `TransientError`: the outcome
 *   is unknown, and said so.
 */
export class BackendRuntime implements Backend {
  readonly name: string;
  readonly #backend: Backend;
  readonly #retry: TransientRetry;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #unique: UniqueIndexes = new Map();
  readonly #changes = new Coalesced<string, StoredChange[]>({ gather: true });
  #closing = false;
  /**
   * Notified after every commit and append through this runtime, and by the backend's
   * wake-ups from other processes, for `watch()`.
   */
  readonly committed: Wake;

  constructor(backend: Backend, retry: TransientRetry = DEFAULT_RETRY) {
    this.#backend = backend;
    this.#retry = retry;
    this.name = backend.name;
    const wakeups = backend.wakeups;
    this.committed = new Wake(wakeups && ((wake) => wakeups.listen(wake)));
    // Only a backend with row locks offers the pessimistic path.
    if (!backend.lockedWrite) this.lockedWrite = undefined;
  }

  /** The backend this runtime drives. */
  get backend(): Backend {
    return this.#backend;
  }

  migrate(): Promise<void> {
    return this.#reading(() => this.#backend.migrate());
  }

  read(tenant: string, collection: string, ids: readonly string[]) {
    return this.#reading(() => this.#backend.read(tenant, collection, ids));
  }

  peek(tenant: string, collection: string, ids: readonly string[]) {
    return this.#reading(() => this.#backend.peek(tenant, collection, ids));
  }

  landed(tenant: string, tokens: readonly string[]): Promise<Map<string, LandedWrite>> {
    return this.#reading(() => this.#backend.landed(tenant, tokens));
  }

  pruneWrites(before: number, limit: number): Promise<number> {
    return this.#reading(() => this.#backend.pruneWrites(before, limit));
  }

  revisions(key: DocumentKey, range: RevisionRange): Promise<StoredRevision[]> {
    return this.#reading(() => this.#backend.revisions(key, range));
  }

  revision(key: DocumentKey, revision: number): Promise<StoredRevision | undefined> {
    return this.#reading(() => this.#backend.revision(key, revision));
  }

  pruneRevisions(rule: RevisionPrune): Promise<number> {
    return this.#reading(() => this.#backend.pruneRevisions(rule));
  }

  readStream(tenant: string, streamId: string, range: StreamRange): Promise<StoredEvent[]> {
    return this.#reading(() => this.#backend.readStream(tenant, streamId, range));
  }

  readAll(tenant: string, after: bigint, limit: number): Promise<StoredEvent[]> {
    return this.#reading(() => this.#backend.readAll(tenant, after, limit));
  }

  changes(
    tenant: string,
    since: number,
    limit: number,
    filter?: ChangesFilter,
  ): Promise<StoredChange[]> {
    // Watchers of one store follow the feed in step: woken by one commit, they ask for the
    // same page in the same turn of the event loop, and one read answers them all. Were the
    // first of them to read alone, the rest would read a later page and from then on stand
    // at other positions, each reading the feed for itself.
    const key = JSON.stringify([tenant, since, limit, filter?.collection, filter?.maxBytes]);
    return this.#reading(() =>
      this.#changes.get(key, () => this.#backend.changes(tenant, since, limit, filter)),
    );
  }

  find(
    tenant: string,
    collection: string,
    query: NormalizedQuery,
  ): Promise<(FoundDocument | PastBudget)[]> {
    return this.#reading(() => this.#backend.find(tenant, collection, query));
  }

  count(tenant: string, collection: string, filter: NormalizedQuery['filter']): Promise<number> {
    return this.#reading(() => this.#backend.count(tenant, collection, filter));
  }

  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    for (const index of indexes) {
      if (index.unique) this.#unique.set(index.name, { collection, index });
    }
    return this.#reading(() => this.#backend.ensureIndexes(collection, indexes));
  }

  // A write a unique index refused, as the `UniqueConstraintError` that names it.
  async #refusing<R>(sent: Promise<R>, writes: () => readonly Write[]): Promise<R> {
    try {
      return await sent;
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      throw await uniqueConstraintError(error, this.#unique, this.#backend, writes());
    }
  }

  explain(tenant: string, collection: string, query: NormalizedQuery): Promise<string> {
    return this.#reading(() => this.#backend.explain(tenant, collection, query));
  }

  /**
   * Closes the backend once the calls in flight have settled: a write in flight still
   * learns its outcome (it tries no more after this, and a try that may have landed is
   * settled by the write log) rather than hanging on a closed pool.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.committed.close();
    await Promise.allSettled([...this.#inFlight]);
    await this.#backend.close();
  }

  /**
   * Commits a batch: the backend's outcomes, exactly once, or a `TransientError`. A batch
   * of at least `BULK_INSERT_MIN` inserts (`isInsertBatch`) takes the backend's bulk
   * insert path where it has one (`Backend.insertMany`): same outcomes, set-wise writes.
   */
  commit(writes: readonly Write[], signal?: AbortSignal): Promise<WriteOutcome[]> {
    if (writes.length === 0) return Promise.resolve([]);
    const backend = this.#backend;
    const bulk = writes.length >= BULK_INSERT_MIN && isInsertBatch(writes);
    const sent = () =>
      bulk && backend.insertMany ? backend.insertMany(writes) : backend.commit(writes);
    return this.#notifying(
      this.#sending({
        send: () => this.#refusing(sent(), () => writes),
        // Every write landed now with its token, so no earlier try recorded any of them.
        settled: (outcomes) => outcomes.every((o) => o.status === 'ok'),
        fromRecords: async (records) => writes.map((w) => landedOutcome(w, records.get(w.token))),
        tenant: writes[0]?.tenant as string,
        tokens: writes.map((w) => w.token),
        signal,
      }),
    );
  }

  // Wakes watchers once a write settles, whatever its outcome: a watcher only reads.
  #notifying<R>(sent: Promise<R>): Promise<R> {
    return sent.finally(() => {
      this.committed.notify();
      this.#backend.wakeups?.announce();
    });
  }

  /**
   * A conditional bulk write: the backend's outcome, exactly once, or a `TransientError`.
   * Sent again with the same call token after a failure: the write log refuses a second
   * commit of it, and its call record says how many documents the try that committed
   * wrote, whose own records say which (see `bulkLanded`).
   */
  writeWhere(bulk: BulkWrite, signal?: AbortSignal): Promise<BulkOutcome> {
    return this.#notifying(
      this.#sending({
        send: () => this.#refusing(this.#backend.writeWhere(bulk), () => []),
        // A try that committed now recorded the call token, so no earlier one had; one that
        // wrote nothing (`unfit`) says nothing of an earlier try.
        settled: (outcome) => outcome.status === 'ok',
        fromRecords: (records) =>
          bulkLanded(bulk, records, (tokens) => this.landed(bulk.tenant, tokens)),
        tenant: bulk.tenant,
        tokens: [bulk.token],
        signal,
      }),
    );
  }

  /** Appends to a stream: the backend's outcome, exactly once, or a `TransientError`. */
  appendToStream(append: StreamAppend, signal?: AbortSignal): Promise<AppendOutcome> {
    const projection = append.projection;
    return this.#notifying(
      this.#sending({
        send: () =>
          this.#refusing(this.#backend.appendToStream(append), () =>
            projection ? [projection] : [],
          ),
        settled: (outcome) => outcome.status === 'ok',
        fromRecords: async (records) => {
          const own = records.get(append.token);
          if (!own) return undefined;
          // The record holds the append's new version; its events hold their positions.
          const count = append.events.length;
          const events = await this.readStream(append.tenant, append.streamId, {
            from: own.revision - count + 1,
            to: own.revision,
            direction: 'forward',
            limit: count,
          });
          return {
            status: 'ok',
            version: own.revision,
            positions: events.map((e) => e.position),
            timestamp: own.at,
            ...(projection
              ? { projection: landedOutcome(projection, records.get(projection.token)) }
              : {}),
          };
        },
        tenant: append.tenant,
        tokens: projection ? [append.token, projection.token] : [append.token],
        signal,
      }),
    );
  }

  /**
   * The pessimistic path. `decide` runs again on each try (a fresh token each time), so
   * only a failure that certainly did not commit is tried again; an ambiguous one is
   * settled by the write log for the token decided last, or reported as unknown.
   */
  lockedWrite?: (
    key: DocumentKey,
    decide: (stored: StoredDocument | undefined) => Promise<Write | undefined>,
    signal?: AbortSignal,
  ) => Promise<WriteOutcome | undefined> = (key, decide, signal) =>
    this.#notifying(this.#track(this.#lockedWrite(key, decide, signal)));

  async #lockedWrite(
    key: DocumentKey,
    decide: (stored: StoredDocument | undefined) => Promise<Write | undefined>,
    signal?: AbortSignal,
  ): Promise<WriteOutcome | undefined> {
    const lockedWrite = this.#backend.lockedWrite?.bind(this.#backend);
    if (!lockedWrite) throw new Error(`${this.name} has no row locks`);
    for (let attempt = 1; ; attempt++) {
      let decided: Write | undefined;
      try {
        const written = lockedWrite(key, async (stored) => {
          decided = await decide(stored);
          return decided;
        });
        return await this.#refusing(written, () => (decided ? [decided] : []));
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        if (error.ambiguous) {
          if (!decided) throw error;
          const [outcome] = await this.#fromLog(error, key.tenant, [decided.token], (r) => [
            landedOutcome(decided as Write, r.get((decided as Write).token)),
          ]);
          return outcome;
        }
        await this.#pause(attempt, error, signal);
      }
    }
  }

  #sending<R>(sending: Sending<R>): Promise<R> {
    return this.#track(this.#send(sending));
  }

  async #send<R>({ send, settled, fromRecords, tenant, tokens, signal }: Sending<R>): Promise<R> {
    let unresolved: TransientError | undefined;
    const fromLog = (cause: TransientError) => this.#fromLog(cause, tenant, tokens, fromRecords);
    for (let attempt = 1; ; attempt++) {
      let result: R;
      try {
        result = await send();
      } catch (error) {
        if (error instanceof AlreadyLandedError) {
          return fromLog(unresolved ?? new TransientError(error.message, { ambiguous: true }));
        }
        if (error instanceof TransientError && error.ambiguous) unresolved ??= error;
        // Once a try may have landed, whatever ends the tries (an error of another kind, the
        // last try, an abort, the store closing) is answered by the write log, never by
        // that error: it would read as "not written".
        try {
          if (!(error instanceof TransientError)) throw error;
          await this.#pause(attempt, unresolved ?? error, signal);
        } catch (stop) {
          if (unresolved) return fromLog(unresolved);
          throw stop;
        }
        continue;
      }
      if (!unresolved || settled(result)) return result;
      return fromLog(unresolved);
    }
  }

  // What the write log says of an ambiguous try; `unresolved` when it says nothing.
  async #fromLog<R>(
    unresolved: TransientError,
    tenant: string,
    tokens: readonly string[],
    fromRecords: (records: Map<string, LandedWrite>) => R | undefined | Promise<R | undefined>,
  ): Promise<R> {
    let result: R | undefined;
    try {
      const records = await this.landed(tenant, tokens);
      result = records.size > 0 ? await fromRecords(records) : undefined;
    } catch {
      // A read that failed here says nothing of the write: its outcome stays unknown.
      throw unresolved;
    }
    if (result === undefined) throw unresolved;
    return result;
  }

  #reading<T>(read: () => Promise<T>): Promise<T> {
    // The first try is sent at once, outside any loop: a read that succeeds (nearly all of
    // them) pays for no retry machinery, which cost a query about a tenth of its time.
    let first: Promise<T>;
    try {
      first = read();
    } catch (error) {
      first = Promise.reject(error);
    }
    return this.#track(first.catch((error: unknown) => this.#readingAgain(read, error)));
  }

  // Tries a read again after `error`, for as long as its failures are transient.
  async #readingAgain<T>(read: () => Promise<T>, error: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (!(error instanceof TransientError)) throw error;
      await this.#pause(attempt, error);
      try {
        return await read();
      } catch (next) {
        error = next;
      }
    }
  }

  // Waits before the next try, or throws `error` when the tries are used up or the store
  // is closing.
  async #pause(attempt: number, error: Error, signal?: AbortSignal): Promise<void> {
    if (attempt >= this.#retry.attempts || this.#closing) throw error;
    await sleep(Math.random() * this.#retry.delay * 2 ** (attempt - 1), signal);
  }

  // Counts a call as in flight until it settles, so `close()` can wait for it.
  #track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight.add(call);
    const settle = () => this.#inFlight.delete(call);
    call.then(settle, settle);
    return call;
  }
}

/**
 * A commit or append to send until it is settled. `settled` says whether a result after
 * an ambiguous try is final on its own (it committed now, so the earlier try did not);
 * anything else is settled by the write log, through `fromRecords`.
 */
interface Sending<R> {
  readonly send: () => Promise<R>;
  readonly settled: (result: R) => boolean;
  readonly fromRecords: (records: Map<string, LandedWrite>) => Promise<R | undefined>;
  readonly tenant: string;
  readonly tokens: readonly string[];
  readonly signal: AbortSignal | undefined;
}

// A write of a batch that the log says committed: `ok` with its recorded metadata; a write
// of that batch with no record was a silent miss (`skipped`) in the try that committed.
function landedOutcome(write: Write, record: LandedWrite | undefined): WriteOutcome {
  if (!record) return { status: 'skipped' };
  const metadata: DocumentMetadata = {
    revision: record.revision,
    token: write.token,
    seq: Number(record.seq),
    lastModified: record.at,
    lastModifiedBy: write.actor,
  };
  return { status: 'ok', metadata };
}
