import type { DocumentMetadata } from '../../core/metadata.js';
import type { BulkOutcome, BulkWrite } from './bulk.js';
import type { NormalizedCheck } from './checks.js';
import { failsBatch, judgeMiss } from './checks.js';
import type { IndexSpec } from './indexes.js';
import type { NormalizedOperation } from './operations.js';
import type { NormalizedQuery } from './query-sql.js';

/** Where a document lives: tenant, collection, id. */
export interface DocumentKey {
  readonly tenant: string;
  readonly collection: string;
  readonly id: string;
}

/** A live document as a backend returns it: JSON text plus metadata. */
export interface StoredDocument {
  readonly body: string;
  readonly metadata: DocumentMetadata;
}

/** A live document a query found: its id, JSON text and metadata. */
export interface FoundDocument extends StoredDocument {
  readonly id: string;
}

/**
 * What `find` returns in place of the first document past a page's byte budget (see
 * `NormalizedQuery.maxBytes`): its id without its text, which says that more follow.
 */
export interface PastBudget {
  readonly id: string;
  readonly body: null;
}

/** Whether a row `find` returned is a document, not the mark of a page's byte budget. */
export const isFound = (row: FoundDocument | PastBudget): row is FoundDocument => row.body !== null;

/** One checked write of a batch. The writer makes the token, so an ambiguous commit can be resolved. */
export interface Write extends DocumentKey {
  /** `apply` changes the live document by `operations`, in the write's own statement. */
  readonly op: 'put' | 'delete' | 'apply';
  /** JSON text of the new document; absent for deletes and applies. */
  readonly body?: string;
  /** For `apply`: the operations (see `applyOperations` for their meaning). */
  readonly operations?: readonly NormalizedOperation[];
  /** For `apply`: the most bytes of JSON text the resulting document may take. */
  readonly maxBytes?: number;
  readonly check: NormalizedCheck;
  readonly token: string;
  readonly actor: string | null;
  /**
   * The collection keeps revision history: the write also records a revision row (see
   * `StoredRevision`) in the statement or transaction that commits it. Absent: no history.
   */
  readonly history?: boolean;
  /**
   * For a write that merged two revisions (a stale put saved by `onStale: 'merge'`): the
   * revision its change was made from and the one it was merged with, recorded on its
   * revision row. Absent for a plain write.
   */
  readonly parents?: readonly number[];
}

/**
 * What one write ended in. `conflict` carries the stored metadata read in the same
 * transaction (or `null` when the document is gone); `skipped` is a silent miss
 * (`tryRevisionAbove`, or deleting an absent document with `none`).
 */
export type WriteOutcome =
  /** `body`: for an `apply`, the JSON text of the document it made. */
  | { readonly status: 'ok'; readonly metadata: DocumentMetadata; readonly body?: string }
  | { readonly status: 'conflict'; readonly actual: DocumentMetadata | null }
  | { readonly status: 'notFound' }
  | { readonly status: 'duplicate'; readonly actual: DocumentMetadata }
  | { readonly status: 'skipped' }
  /**
   * An `apply` passed its check, but its operations did not fit the live document (`type`,
   * where `applyOperations` throws `OperationTypeError`) or made it larger than `maxBytes`
   * (`size`, with the result's `bytes`): nothing was written.
   */
  | { readonly status: 'unfit'; readonly reason: 'type' | 'size'; readonly bytes?: number }
  /** Passed its check, but another write of the batch failed, so nothing was written. */
  | { readonly status: 'rolledBack' };

/**
 * What the write log holds of one committed write: the document's key and new revision
 * and seq, or for an append (`collection` null) the stream id, its new version and the
 * position of its first event; `at` is the database time of the commit.
 */
export interface LandedWrite {
  readonly collection: string | null;
  readonly id: string;
  readonly revision: number;
  readonly seq: bigint;
  readonly at: number;
}

/** A write-log row as a driver returns it: numbers as numbers, strings or bigints. */
export interface LandedRow {
  readonly token: string;
  readonly collection: string | null;
  readonly id: string;
  readonly revision: number | string | bigint;
  readonly seq: number | string | bigint;
  readonly at: number | string | bigint;
}

/** The write log's rows as `Backend.landed` returns them, by token. */
export function landedByToken(rows: readonly LandedRow[]): Map<string, LandedWrite> {
  return new Map(
    rows.map((row) => [
      row.token,
      {
        collection: row.collection,
        id: row.id,
        revision: Number(row.revision),
        seq: BigInt(row.seq),
        at: Number(row.at),
      },
    ]),
  );
}

/**
 * Thrown by `Backend.commit` and `appendToStream` when a token of the batch is already in
 * the write log: an earlier try of this very batch committed, and nothing was written now.
 */
export class AlreadyLandedError extends Error {
  readonly code = 'ALREADY_LANDED';
  constructor() {
    super('This write was committed by an earlier try');
    this.name = 'AlreadyLandedError';
  }
}

/**
 * One revision of a document as the history holds it: written by the write that made it,
 * in the same statement or transaction. `body` is the JSON text of the document that
 * write left (`null` for a delete); `parents` names the revisions a merged revision
 * joined (`null` for a plain write).
 */
export interface StoredRevision {
  readonly revision: number;
  readonly token: string;
  readonly seq: number;
  readonly body: string | null;
  readonly deleted: boolean;
  /** Database time of the commit, in ms. */
  readonly at: number;
  readonly actor: string | null;
  readonly parents: readonly number[] | null;
}

/** A page of one document's history: revisions below `before` (all when `null`), newest first. */
export interface RevisionRange {
  readonly before: number | null;
  readonly limit: number;
}

/**
 * What the history pruner deletes of one collection (every tenant's documents): revisions
 * beyond the newest `keep` of each document, and with `before`, revisions committed
 * before that time (ms) — never a revision committed at or after `protectFrom` (ms), so
 * the token answer of `landed` stays exact for as long as the write log promises.
 */
export interface RevisionPrune {
  readonly collection: string;
  readonly keep?: number;
  readonly before?: number;
  readonly protectFrom: number;
  readonly limit: number;
}

/** A revision row as a driver returns it: numbers as numbers, strings or bigints. */
export interface RevisionRow {
  readonly revision: number | string | bigint;
  readonly token: string;
  readonly seq: number | string | bigint;
  readonly body: string | null;
  readonly deleted: boolean | number;
  readonly at: number | string | bigint;
  readonly actor: string | null;
  readonly parents: string | readonly number[] | null;
}

/** A revision row in the shape `Backend.revisions` returns. */
export function revisionOf(row: RevisionRow): StoredRevision {
  const deleted = row.deleted === true || row.deleted === 1;
  const parents = typeof row.parents === 'string' ? JSON.parse(row.parents) : row.parents;
  return {
    revision: Number(row.revision),
    token: row.token,
    seq: Number(row.seq),
    body: deleted ? null : row.body,
    deleted,
    at: Number(row.at),
    actor: row.actor,
    parents: parents === null ? null : (parents as unknown[]).map(Number),
  };
}

/** A changes-feed entry: the latest state of a document written after some `seq`. */
export interface StoredChange {
  readonly collection: string;
  readonly id: string;
  readonly deleted: boolean;
  readonly body: string | null;
  readonly metadata: DocumentMetadata;
}

/** Narrows a page of the changes feed (see `Backend.changes`). */
export interface ChangesFilter {
  /** Only documents of this collection. */
  readonly collection?: string;
  /**
   * The page stops before the change that would take the UTF-8 length of its bodies' JSON
   * text past this many bytes. The first change always comes, however large, so a page is
   * never empty while changes remain. No byte bound when absent.
   */
  readonly maxBytes?: number;
}

/**
 * The one interface a database implements. Everything else (sessions, retries, checks'
 * validation, errors) lives above it, once. A backend must make each check and its write
 * one statement (or one transaction holding the row), and read a conflict's actual
 * metadata in that same transaction, never in a later one.
 */
export interface Backend {
  /** A short name for messages and the conformance suite ("sqlite", "postgres"). */
  readonly name: string;
  /** Creates or upgrades the schema. Idempotent and safe when several processes run it at once. */
  migrate(): Promise<void>;
  /** Live documents of one collection by id; absent and deleted ones are missing from the map. */
  read(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, StoredDocument>>;
  /**
   * Commits the writes in one transaction, all or nothing: outcomes in the order of
   * `writes`; the transaction committed only when none is `conflict`, `notFound` or
   * `duplicate`. Every write is checked, so every failure is reported. Writes of one
   * batch have distinct keys. A failure of the database itself is thrown as a
   * `TransientError`, `ambiguous` when the batch may have committed.
   */
  commit(writes: readonly Write[]): Promise<WriteOutcome[]>;
  /**
   * Optional bulk path of `commit` for a batch of inserts only (see `isInsertBatch`: puts
   * checked `mustNotExist`, one tenant and actor, distinct keys): the same outcomes, the
   * same stored result (revision 1, or a tombstone revived with its revision counting on;
   * seq, write-log record or revision row, declared indexes), all or nothing in one
   * transaction, but written set-wise where the database allows (PostgreSQL: one statement
   * per bounded chunk). A live document under a key is a `duplicate` with the metadata
   * read under its lock in the same transaction. Without it the store uses `commit`.
   */
  insertMany?(writes: readonly Write[]): Promise<WriteOutcome[]>;
  /**
   * The stored metadata of each id, deleted documents included. This is how a writer
   * whose connection died mid-commit learns whether its write landed: the token is its own.
   */
  peek(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, DocumentMetadata>>;
  /**
   * Optional pessimistic path for one hot document: reads it under a lock that makes every
   * other writer of it wait (`SELECT … FOR UPDATE`), lets `decide` compute the write from
   * what it read, and commits that write, still checked, in the same transaction.
   * `decide` returning `undefined` (or throwing) ends the transaction with nothing written;
   * the result is then `undefined`. Backends without row locks leave it out.
   */
  lockedWrite?(
    key: DocumentKey,
    decide: (stored: StoredDocument | undefined) => Promise<Write | undefined>,
  ): Promise<WriteOutcome | undefined>;
  /**
   * Appends events to a stream, with its expected version, in one transaction: the check
   * is made by the database in the append itself (never a read before it). With a
   * `projection`, that document write commits in the same transaction, or nothing does.
   */
  appendToStream(append: StreamAppend): Promise<AppendOutcome>;
  /** Events of one stream with versions from `from` to `to`, in `direction` order. */
  readStream(tenant: string, streamId: string, range: StreamRange): Promise<StoredEvent[]>;
  /**
   * Events of a tenant's streams after `after`, in position order, never skipping one: an
   * event that commits later never has a position below one already returned.
   */
  readAll(tenant: string, after: bigint, limit: number): Promise<StoredEvent[]>;
  /**
   * The write log's records of these tokens (a tenant's), found or not. Every committed
   * write and append records its token in the statement or transaction that commits it,
   * and a token can be recorded once only: a commit that meets its own token recorded
   * must fail whole with `AlreadyLandedError`. This is how a writer whose reply was lost
   * learns what landed, even after the document moved on. A write with `history` is
   * found by its revision row too, for as long as the history keeps it, and its token is
   * refused a second commit for as long.
   */
  landed(tenant: string, tokens: readonly string[]): Promise<Map<string, LandedWrite>>;
  /** Deletes up to `limit` write-log records made before `before` (ms); returns how many. */
  pruneWrites(before: number, limit: number): Promise<number>;
  /**
   * One document's revisions (see `Write.history`), newest first: those numbered below
   * `range.before` (all when `null`), at most `range.limit`. Empty for a document
   * without history.
   */
  revisions(key: DocumentKey, range: RevisionRange): Promise<StoredRevision[]>;
  /** One revision of a document, in one query; `undefined` when unknown or pruned. */
  revision(key: DocumentKey, revision: number): Promise<StoredRevision | undefined>;
  /** Deletes up to `rule.limit` revisions the rule lets go (see `RevisionPrune`); returns how many. */
  pruneRevisions(rule: RevisionPrune): Promise<number>;
  /**
   * Documents of a tenant written after `since`, in `seq` order, at most `limit`; with
   * `filter`, only one collection's, and only as many as fit its byte budget. The filter is
   * applied in the query: a page that comes back empty means no more changes.
   */
  changes(
    tenant: string,
    since: number,
    limit: number,
    filter?: ChangesFilter,
  ): Promise<StoredChange[]>;
  /**
   * Live documents of one tenant's collection that `query` returns, in its order, at most
   * `query.limit`: exactly those `evaluateQuery` returns (never a deleted one). The filter,
   * the cursor and the order are all evaluated by the database (`compileQuerySql`). With
   * `query.maxBytes`, the documents stop at the budget: the first one past it comes as
   * `PastBudget`, last, and no text past the budget is read into memory.
   */
  find(
    tenant: string,
    collection: string,
    query: NormalizedQuery,
  ): Promise<(FoundDocument | PastBudget)[]>;
  /** How many live documents of one tenant's collection `filter` matches (`null`: all). */
  count(tenant: string, collection: string, filter: NormalizedQuery['filter']): Promise<number>;
  /**
   * Makes the indexes noclobber keeps for a collection exactly `indexes` (creating the
   * missing ones, dropping the ones no longer declared), safely when several processes
   * do it at once, and writes later queries of the collection so that they can use them.
   * A unique index that live documents already break fails with `UniqueConstraintError`.
   */
  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  /** The database's plan, as text, of the statement `find` runs for this query. */
  explain(tenant: string, collection: string, query: NormalizedQuery): Promise<string>;
  /**
   * A conditional bulk write (see `BulkWrite`): the filter evaluated by the database in
   * the write itself, against rows it holds (never a read, then writes by id), all or
   * nothing. A token already recorded fails it whole with `AlreadyLandedError`.
   */
  writeWhere(bulk: BulkWrite): Promise<BulkOutcome>;
  /**
   * Wake-ups of watchers in other processes, where the database offers them; without,
   * those watchers poll.
   */
  readonly wakeups?: CommitWakeups;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Tells watchers in other processes that something committed (see `Backend.wakeups`). */
export interface CommitWakeups {
  /**
   * Called after a write settled, outside any transaction of it; cheap and never failing
   * (several calls in a short while may share one message).
   */
  announce(): void;
  /** Calls `wake` whenever another process (or this one) announced; returns how to stop. */
  listen(wake: () => void): () => void;
}

/**
 * The outcome of a write that changed nothing, from its check and the live document it
 * was judged against (`null` when absent or deleted): `judgeMiss`, the reference every
 * backend shares, so not-found and conflict mean the same everywhere.
 */
export function missOutcome(
  check: NormalizedCheck,
  op: Write['op'],
  live: DocumentMetadata | null,
): WriteOutcome {
  return judgeMiss(check, op, live);
}

/** True for the outcomes that make a batch roll back (see `failsBatch`). */
export function isFailure(outcome: WriteOutcome): boolean {
  return failsBatch(outcome);
}

/** One event on its way to a stream: JSON texts and a writer-made id. */
export interface EventWrite {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string | null;
}

/** What an append expects of its stream. */
export type StreamExpectation =
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'noStream' }
  | { readonly kind: 'streamExists' }
  | { readonly kind: 'any' };

/** An append: events, the expectation, and optionally a projected document written with it. */
export interface StreamAppend {
  readonly tenant: string;
  readonly streamId: string;
  readonly events: readonly EventWrite[];
  readonly expected: StreamExpectation;
  readonly projection?: Write;
  /** Writer-made, recorded in the write log with the append (see `Backend.landed`). */
  readonly token: string;
}

/**
 * What an append ended in: `ok` with the stream's new version, its events' positions (in
 * event order; rising, not necessarily consecutive) and the database time; `conflict` with the stream's real version (0: no stream);
 * `projectionFailed` when the projected document's write missed its check (nothing was
 * appended).
 */
export type AppendOutcome =
  | {
      readonly status: 'ok';
      readonly version: number;
      readonly positions: readonly bigint[];
      readonly timestamp: number;
      readonly projection?: WriteOutcome;
    }
  | { readonly status: 'conflict'; readonly actual: number }
  | { readonly status: 'projectionFailed'; readonly projection: WriteOutcome };

/** Which events of a stream to read. */
export interface StreamRange {
  /** Lowest version, inclusive (1 is the first event). */
  readonly from: number;
  /** Highest version, inclusive. */
  readonly to: number;
  readonly direction: 'forward' | 'backward';
  readonly limit: number;
}

/** An event as stored. */
export interface StoredEvent {
  readonly streamId: string;
  readonly version: number;
  readonly position: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string | null;
  readonly timestamp: number;
}
