import type { Database, Statement } from 'better-sqlite3';
import { TransientError } from '../../core/errors.js';
import type { DocumentMetadata } from '../../core/metadata.js';
import { sleep } from '../../core/sleep.js';
import { tokenFloor } from '../../core/token.js';
import {
  AlreadyLandedError,
  type AppendOutcome,
  type Backend,
  type ChangesFilter,
  type DocumentKey,
  type FoundDocument,
  isFailure,
  type LandedRow,
  type LandedWrite,
  landedByToken,
  missOutcome,
  type PastBudget,
  type RevisionPrune,
  type RevisionRange,
  type RevisionRow,
  revisionOf,
  type StoredChange,
  type StoredDocument,
  type StoredEvent,
  type StoredRevision,
  type StreamAppend,
  type StreamRange,
  type Write,
  type WriteOutcome,
} from '../kit/backend.js';
import type { BulkOutcome, BulkWrite } from '../kit/bulk.js';
import type { NormalizedCheck } from '../kit/checks.js';
import { type FoundRow, foundOf } from '../kit/found-row.js';
import { duplicatesError, type IndexSpec, UniqueViolation, uniqueIndexIn } from '../kit/indexes.js';
import { QueryShapes } from '../kit/query-shapes.js';
import type { NormalizedQuery } from '../kit/query-sql.js';
import { BulkRolledBack, bulkWrite } from './bulk.js';
import { readWithin } from './byte-budget.js';
import { CommitGroup } from './commit-group.js';
import { compileCondition } from './condition.js';
import type { SqliteDatabase } from './database.js';
import { Sqlite } from './driver.js';
import { checkFilename } from './filename.js';
import { registerHistoryFunction, withHistory } from './history.js';
import { ensureIndexes } from './indexes.js';
import { insertAll } from './insert-many.js';
import { registerNumberKeyFunction } from './number-order.js';
import { compileOperations, registerOperationFunctions } from './ops.js';
import { countStatement, findStatement, namedParams } from './query.js';
import { migrate } from './schema.js';
import { prepareStatement, StatementCache } from './statement-cache.js';
import * as sql from './statements.js';
import * as streams from './streams.js';

/** Options of the SQLite backend. */
export interface SqliteOptions {
  /** The database file, created if missing; `':memory:'` for a private in-memory store. */
  filename?: string;
  /** An already open better-sqlite3 `Database` to use instead of `filename`. Not closed by `close()`. */
  database?: SqliteDatabase;
  /** How long a writer waits for another process's write lock, in ms. Default 5000. */
  busyTimeout?: number;
}

type Params = Record<string, string | number | null>;

type Landed = Extract<WriteOutcome, { status: 'ok' }>;

// What a landed write reports: the database chose revision, seq and time; token and actor
// are the ones it just wrote.
function landedOf(write: Write, row: sql.LandedRow): Landed {
  const metadata = {
    revision: row[0],
    token: write.token,
    seq: row[1],
    lastModified: row[2],
    lastModifiedBy: write.actor,
  };
  return { status: 'ok', metadata };
}

interface DocumentRow extends sql.MetadataRow {
  id: string;
  body: string;
}

// A live document as `readOne` and `readMany` return it through `raw()`: arrays, because
// building a row object per document (by column name) cost nearly as much as the read.
type LiveRow = [
  id: string,
  body: string,
  revision: number,
  token: string,
  seq: number,
  lastModified: number,
  lastModifiedBy: string | null,
];

// The most statements whose text is built per call (conditions, queries) kept prepared,
// of each kind (rows as objects, rows as arrays).
const BUILT_STATEMENTS_KEPT = 128;

/**
 * noclobber on SQLite through better-sqlite3: WAL, one file per store, every batch in one
 * `BEGIN IMMEDIATE` transaction. Several processes or worker threads may open the same
 * file; SQLite serialises their write transactions and each check runs inside one.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly #db: Database;
  // The indexes each collection declared (see `ensureIndexes`), which queries are written for.
  readonly #indexes = new Map<string, readonly IndexSpec[]>();
  readonly #ownsDatabase: boolean;
  readonly #busyTimeout: number;
  readonly #statements: StatementCache;
  // Statements built per call that return arrays: queries (see `FoundRow`), conditional
  // writes and bulk inserts.
  readonly #arrays: StatementCache;
  readonly #shapes = new QueryShapes();
  // The fixed statements, prepared once: writes by shape (see #writeStatement), reads in
  // `raw()` mode. Kept apart from #statements, whose condition statements come and go.
  readonly #fixed = new Map<string, Statement>();
  #group?: CommitGroup<readonly Write[], WriteOutcome[]>;
  #append?: (append: StreamAppend) => AppendOutcome;
  #bulk?: (bulk: BulkWrite) => BulkOutcome;
  #inserts?: (writes: readonly Write[]) => WriteOutcome[];

  constructor(options: SqliteOptions = {}) {
    if (options.database) {
      // Typed by what noclobber calls on it; at run time it is the application's Database.
      this.#db = options.database as Database;
      this.#ownsDatabase = false;
    } else {
      this.#db = new Sqlite(checkFilename(options.filename ?? ':memory:'));
      this.#ownsDatabase = true;
      // Each write statement of a batch keeps a statement journal (its trigger may refuse a
      // token already logged, undoing that statement alone). Kept in a temporary file it cost
      // a write call per page it saved, over half of each statement's time.
      this.#db.pragma('temp_store = MEMORY');
    }
    this.#statements = new StatementCache(this.#db, BUILT_STATEMENTS_KEPT);
    this.#arrays = new StatementCache(this.#db, BUILT_STATEMENTS_KEPT, true);
    this.#busyTimeout = Math.max(0, Math.trunc(options.busyTimeout ?? 5000));
    registerOperationFunctions(this.#db);
    registerHistoryFunction(this.#db);
    registerNumberKeyFunction(this.#db);
    this.#db.pragma(`busy_timeout = ${this.#busyTimeout}`);
  }

  /** The underlying connection (a better-sqlite3 `Database`), for the application's own queries. */
  get database(): SqliteDatabase {
    return this.#db;
  }

  async migrate(): Promise<void> {
    await this.#enableWal();
    try {
      migrate(this.#db);
    } catch (error) {
      // Another connection held the write lock past the busy timeout: nothing changed.
      throw failureOf(error);
    }
    // A batch all or nothing: its own transaction, or a savepoint inside a group's.
    const batch = this.#db.transaction((writes: readonly Write[]) => {
      const outcomes = writes.map((write) => this.#write(write));
      if (outcomes.some(isFailure)) {
        throw new RolledBack(
          outcomes.map((o) => (o.status === 'ok' ? { status: 'rolledBack' } : o)),
        );
      }
      return outcomes;
    });
    // One write needs no savepoint: a miss changes nothing, and a statement that fails
    // ends the group's transaction (each batch then runs alone).
    const inGroup = (writes: readonly Write[]): WriteOutcome[] => {
      if (writes.length === 1) return [this.#write(writes[0] as Write)];
      try {
        return batch(writes);
      } catch (error) {
        if (error instanceof RolledBack) return error.outcomes;
        throw error;
      }
    };
    const together = this.#db.transaction((batches: readonly (readonly Write[])[]) =>
      batches.map(inGroup),
    ).immediate;
    this.#group = new CommitGroup({
      alone: (writes) => this.#commitAlone(writes, batch.immediate),
      together,
      shared: busyError,
    });
    this.#append = this.#db.transaction((append: StreamAppend) =>
      this.#appendEvents(append),
    ).immediate;
  }

  async appendToStream(append: StreamAppend): Promise<AppendOutcome> {
    if (!this.#append) throw new Error('SqliteBackend.migrate() must run before appendToStream()');
    try {
      return this.#append(append);
    } catch (error) {
      if (error instanceof AppendRolledBack) return error.outcome;
      throw failureOf(error);
    }
  }

  async readStream(tenant: string, streamId: string, range: StreamRange): Promise<StoredEvent[]> {
    const rows = this.#events(streams.readStream(range.direction)).all({
      tenant,
      stream: streamId,
      from: range.from,
      to: range.to,
      limit: range.limit,
    });
    return (rows as EventRow[]).map(toEvent);
  }

  async readAll(tenant: string, after: bigint, limit: number): Promise<StoredEvent[]> {
    const rows = this.#events(streams.readAll).all({ tenant, after, limit });
    return (rows as EventRow[]).map(toEvent);
  }

  // Inside the append's transaction: claim the versions (the expectation is that
  // statement's WHERE), insert the events, write the projection; any miss rolls back.
  #appendEvents(append: StreamAppend): AppendOutcome {
    const key = { tenant: append.tenant, stream: append.streamId };
    const count = append.events.length;
    const expected = append.expected.kind === 'version' ? append.expected.version : null;
    const head = this.#statement(streams.advance(append.expected)).get({
      ...key,
      count,
      ...(expected === null ? {} : { expected }),
    }) as { version: number; now: number } | undefined;
    if (!head) {
      const row = this.#statement(streams.current).get(key) as { version: number } | undefined;
      return { status: 'conflict', actual: row?.version ?? 0 };
    }
    const insert = this.#statement(streams.insertEvent);
    const positions = append.events.map((event, i) => {
      const { lastInsertRowid } = insert.run({
        ...key,
        version: head.version - count + 1 + i,
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        now: head.now,
      });
      return BigInt(lastInsertRowid);
    });
    this.#statement(sql.logAppend).run({
      ...key,
      token: append.token,
      version: head.version,
      position: positions[0],
      now: head.now,
    });
    const ok = { status: 'ok', version: head.version, positions, timestamp: head.now } as const;
    if (!append.projection) return ok;
    const projection = this.#write(append.projection);
    if (isFailure(projection))
      throw new AppendRolledBack({ status: 'projectionFailed', projection });
    return { ...ok, projection };
  }

  // Event reads return 64-bit integers as bigints, so positions never lose precision.
  #events(text: string): Statement {
    return this.#fixedStatement(`events:${text}`, () => this.#db.prepare(text).safeIntegers(true));
  }

  // WAL lets readers run beside the one writer (on ':memory:' the mode stays 'memory').
  // Switching a new file to WAL does not wait on the busy handler when another process
  // is switching it at the same moment, so SQLITE_BUSY is retried here until the timeout.
  async #enableWal(): Promise<void> {
    const deadline = Date.now() + this.#busyTimeout;
    for (;;) {
      try {
        this.#db.pragma('journal_mode = WAL');
        return;
      } catch (error) {
        const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
        if (!busy || Date.now() > deadline) throw error;
        await sleep(2 + Math.random() * 10);
      }
    }
  }

  async read(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, StoredDocument>> {
    const rows =
      ids.length === 1
        ? [this.#raw(sql.readOne).get({ tenant, collection, id: ids[0] as string })]
        : this.#raw(sql.readMany).all({ tenant, collection, ids: JSON.stringify(ids) });
    const found = new Map<string, StoredDocument>();
    for (const row of rows as (LiveRow | undefined)[]) {
      if (!row) continue;
      found.set(row[0], { body: row[1], metadata: liveMetadata(row) });
    }
    return found;
  }

  /**
   * Commits a batch, all or nothing. Batches submitted together (by callers under way at
   * once) share one transaction, each batch in it all or nothing (see `CommitGroup`).
   */
  async commit(writes: readonly Write[]): Promise<WriteOutcome[]> {
    if (!this.#group) throw new Error('SqliteBackend.migrate() must run before commit()');
    return this.#group.submit(writes);
  }

  // A batch in its own transaction (`inTransaction`). One write needs no transaction
  // around it when it lands: a single statement is atomic on its own. Only a miss needs the
  // transaction, to read the actual row under the lock, and it re-runs the write there,
  // checked against the state it then holds.
  #commitAlone(
    writes: readonly Write[],
    inTransaction: (writes: readonly Write[]) => WriteOutcome[],
  ): WriteOutcome[] {
    if (writes.length === 1) {
      let landed: Landed | undefined;
      try {
        landed = this.#tryWrite(writes[0] as Write);
      } catch (error) {
        throw failureOf(error);
      }
      if (landed) return [landed];
    }
    try {
      return inTransaction(writes);
    } catch (error) {
      if (error instanceof RolledBack) return error.outcomes;
      throw failureOf(error);
    }
  }

  /**
   * A batch of inserts (see `Backend.insertMany`) in its own `BEGIN IMMEDIATE` transaction:
   * multi-row inserts (see `insertAll`; their triggers record the write log or revision and
   * move the counter on), with none of a batch's per-write dispatch. Once a document meets
   * a live one nothing more is written, every duplicate is reported, and the transaction
   * rolls back.
   */
  async insertMany(writes: readonly Write[]): Promise<WriteOutcome[]> {
    if (writes.length === 0) return [];
    this.#inserts ??= this.#db.transaction((batch: readonly Write[]) =>
      this.#insertAll(batch),
    ).immediate;
    try {
      return this.#inserts(writes);
    } catch (error) {
      if (error instanceof RolledBack) return error.outcomes;
      throw failureOf(error);
    }
  }

  #insertAll(writes: readonly Write[]): WriteOutcome[] {
    const { outcomes, landed } = insertAll((text, arrays) => this.#statement(text, arrays), writes);
    if (landed) return outcomes as WriteOutcome[];
    // The keys that did not land are read: each is a duplicate of the live row it met.
    throw new RolledBack(
      writes.map((write, i) => {
        if (outcomes[i] !== undefined) return ROLLED_BACK;
        const key = { tenant: write.tenant, collection: write.collection, id: write.id };
        const stored = this.#statement(sql.current).get(key) as
          | (sql.MetadataRow & { deleted: number })
          | undefined;
        const live = stored !== undefined && stored.deleted === 0;
        return live ? { status: 'duplicate', actual: toMetadata(stored) } : ROLLED_BACK;
      }),
    );
  }

  /** A conditional bulk write in its own `BEGIN IMMEDIATE` transaction (see `bulkWrite`). */
  async writeWhere(bulk: BulkWrite): Promise<BulkOutcome> {
    this.#bulk ??= this.#db.transaction((b: BulkWrite) =>
      bulkWrite(
        b,
        (text, arrays) => this.#statement(text, arrays),
        this.#indexes.get(b.collection),
      ),
    ).immediate;
    try {
      // With history, each document's UPDATE records its revision (the schema's triggers).
      const run = this.#bulk;
      // A try refused for a dropped index rolled back whole, so it is sent again as it is.
      return this.#withIndexes(bulk.collection, () => withHistory(bulk, () => run(bulk)));
    } catch (error) {
      if (error instanceof BulkRolledBack) return error.outcome;
      throw failureOf(error);
    }
  }

  async landed(tenant: string, tokens: readonly string[]): Promise<Map<string, LandedWrite>> {
    const rows = this.#statement(sql.landed).all({ tenant, tokens: JSON.stringify(tokens) });
    return landedByToken(rows as LandedRow[]);
  }

  async pruneWrites(before: number, limit: number): Promise<number> {
    try {
      return this.#statement(sql.pruneWrites).run({ before, limit, floor: tokenFloor(before) })
        .changes;
    } catch (error) {
      throw failureOf(error);
    }
  }

  async revisions(key: DocumentKey, range: RevisionRange): Promise<StoredRevision[]> {
    const rows = this.#statement(sql.revisions).all({ ...key, ...range });
    return (rows as RevisionRow[]).map(revisionOf);
  }

  async revision(key: DocumentKey, revision: number): Promise<StoredRevision | undefined> {
    const row = this.#statement(sql.revision).get({ ...key, revision });
    return row === undefined ? undefined : revisionOf(row as RevisionRow);
  }

  async pruneRevisions(rule: RevisionPrune): Promise<number> {
    try {
      return this.#statement(sql.pruneRevisions).run({
        collection: rule.collection,
        floor: tokenFloor(rule.protectFrom),
        protectFrom: rule.protectFrom,
        keep: rule.keep ?? null,
        before: rule.before ?? null,
        limit: rule.limit,
      }).changes;
    } catch (error) {
      throw failureOf(error);
    }
  }

  async peek(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, DocumentMetadata>> {
    const rows = this.#statement(sql.peek).all({ tenant, collection, ids: JSON.stringify(ids) });
    return new Map((rows as DocumentRow[]).map((row) => [row.id, toMetadata(row)]));
  }

  async find(
    tenant: string,
    collection: string,
    query: NormalizedQuery,
  ): Promise<(FoundDocument | PastBudget)[]> {
    return this.#withIndexes(collection, (indexes) => {
      const { text, values } = this.#shapes.statement(tenant, collection, indexes, query, (q) =>
        findStatement(tenant, collection, q, indexes),
      );
      const statement = this.#arrays.get(text);
      if (query.maxBytes !== undefined) return withinBudget(statement, values, query.maxBytes);
      return (statement.all(namedParams(values)) as FoundRow[]).map(foundOf);
    });
  }

  /**
   * Runs `read` with the indexes the collection's queries are written for. Another process
   * that declares the collection with other indexes drops the ones it does not declare,
   * and a statement naming one in `INDEXED BY` then fails: the query is written again
   * without it and runs as it would have without the index, as PostgreSQL's planner does.
   */
  #withIndexes<R>(collection: string, read: (indexes: readonly IndexSpec[] | undefined) => R): R {
    const indexes = this.#indexes.get(collection);
    try {
      return read(indexes);
    } catch (error) {
      const gone = /^no such index: (nc_[iu]x_\w+)$/.exec((error as Error)?.message)?.[1];
      if (gone === undefined || !indexes?.some((index) => index.name === gone)) throw error;
      this.#indexes.set(
        collection,
        indexes.filter((index) => index.name !== gone),
      );
      return this.#withIndexes(collection, read);
    }
  }

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.#indexes.set(collection, indexes);
    try {
      ensureIndexes(this.#db, collection, indexes);
    } catch (error) {
      throw duplicatesError(error, collection, indexes) ?? failureOf(error);
    }
  }

  async explain(tenant: string, collection: string, query: NormalizedQuery): Promise<string> {
    return this.#withIndexes(collection, (indexes) => {
      const { text, values } = findStatement(tenant, collection, query, indexes);
      const plan = prepareStatement(this.#db, `EXPLAIN QUERY PLAN ${text}`);
      const rows = plan.all(namedParams(values)) as { detail: string }[];
      return rows.map((row) => row.detail).join('\n');
    });
  }

  async count(
    tenant: string,
    collection: string,
    filter: NormalizedQuery['filter'],
  ): Promise<number> {
    return this.#withIndexes(collection, (indexes) => {
      const { text, values } = countStatement(tenant, collection, filter, indexes);
      return (this.#statement(text).get(namedParams(values)) as { n: number }).n;
    });
  }

  async changes(
    tenant: string,
    since: number,
    limit: number,
    filter: ChangesFilter = {},
  ): Promise<StoredChange[]> {
    const { collection, maxBytes = Number.POSITIVE_INFINITY } = filter;
    const rows = (
      collection === undefined
        ? this.#statement(sql.changes).iterate({ tenant, since, limit })
        : this.#statement(sql.collectionChanges).iterate({ tenant, collection, since, limit })
    ) as IterableIterator<DocumentRow & { collection: string; deleted: number }>;
    const textOf = (row: { deleted: number; body: string | null }) =>
      row.deleted === 1 ? null : row.body;
    return readWithin(rows, maxBytes, textOf, (row) => ({
      collection: row.collection,
      id: row.id,
      deleted: row.deleted === 1,
      body: textOf(row),
      metadata: toMetadata(row),
    }));
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#arrays.clear();
    this.#fixed.clear();
    if (this.#ownsDatabase && this.#db.open) this.#db.close();
  }

  // One write: its check and its change in one statement; on a miss, the actual row read
  // in the same (still open, write-locked) transaction.
  #write(write: Write): WriteOutcome {
    const landed = this.#tryWrite(write);
    if (landed) return landed;
    const key = { tenant: write.tenant, collection: write.collection, id: write.id };
    const stored = this.#statement(sql.current).get(key) as
      | (sql.MetadataRow & { deleted: number })
      | undefined;
    const live = stored && stored.deleted === 0 ? toMetadata(stored) : null;
    if (live && write.op === 'apply') {
      const { guard, applied, params } = this.#applyParts(write);
      const why = this.#statement(sql.applyMiss(guard, applied)).get({ ...params, ...key }) as
        | { pass: number; unfit: number; bytes: number | null }
        | undefined;
      if (why?.pass === 1 && why.unfit === 1) return { status: 'unfit', reason: 'type' };
      if (why?.pass === 1) return { status: 'unfit', reason: 'size', bytes: why.bytes ?? 0 };
    }
    return missOutcome(write.check, write.op, live);
  }

  // An apply's check and operations as SQL over the row, and their parameters.
  #applyParts(write: Write): { guard: string; applied: string; params: Params } {
    const check = write.check;
    const operations = compileOperations(write.operations ?? []);
    const params: Params = { ...operations.params };
    let guard: string;
    if (check.kind === 'condition') {
      const compiled = compileCondition(check.condition);
      Object.assign(params, compiled.params);
      guard = compiled.sql;
    } else if (check.kind === 'mustNotExist' || check.kind === 'revisionAbove') {
      throw new Error(`${check.kind} cannot guard an apply`);
    } else {
      guard = guardOf(check);
      if (check.kind === 'version') params.expected = check.version;
      if (check.kind === 'notModifiedSince') params.time = check.time;
    }
    return { guard, applied: operations.sql, params };
  }

  // Runs the write's one checked statement: its outcome, or undefined on a miss. The
  // statement returns what the database chose (revision, seq, time); token and actor are
  // the ones it just wrote. all(), not get(): get() stops at the first row and resets the
  // statement without reporting what the reset returns, which in autocommit is where the
  // commit happens.
  #tryWrite(write: Write): Landed | undefined {
    const check = write.check;
    const params: Params = {
      tenant: write.tenant,
      collection: write.collection,
      id: write.id,
      body: write.body ?? null,
      token: write.token,
      actor: write.actor,
      expected: check.kind === 'version' ? check.version : null,
      time: check.kind === 'notModifiedSince' ? check.time : null,
      revision: check.kind === 'revisionAbove' ? check.revision : null,
    };
    let statement: Statement;
    if (write.op === 'apply') {
      const { guard, applied, params: more } = this.#applyParts(write);
      Object.assign(params, more, { maxBytes: write.maxBytes ?? Number.MAX_SAFE_INTEGER });
      const statement = this.#statement(sql.apply(guard, applied), true);
      const [row] = withHistory(write, () => statement.all(params)) as [...sql.LandedRow, string][];
      return row && { ...landedOf(write, [row[0], row[1], row[2]]), body: row[3] };
    }
    if (check.kind === 'condition') {
      const compiled = compileCondition(check.condition);
      Object.assign(params, compiled.params);
      const text = sql.update(compiled.sql, write.op === 'delete');
      statement = this.#statement(text, true);
    } else {
      statement = this.#writeStatement(write.op, check);
    }
    // A write of a collection with history records its revision by the same statement.
    const [row] = withHistory(write, () => statement.all(params)) as sql.LandedRow[];
    return row && landedOf(write, row);
  }

  // The prepared statement of a write without a condition: one per shape (operation,
  // check kind, version kind), so a write neither builds SQL text nor hashes it.
  #writeStatement(op: Write['op'], check: Exclude<NormalizedCheck, { kind: 'condition' }>) {
    const shape = `${op}:${check.kind}:${check.kind === 'version' ? check.versionKind : ''}`;
    return this.#fixedStatement(shape, () =>
      prepareStatement(this.#db, writeText(op, check)).raw(true),
    );
  }

  // A fixed read, prepared once and returning arrays.
  #raw(text: string): Statement {
    return this.#fixedStatement(text, () => prepareStatement(this.#db, text).raw(true));
  }

  // The fixed statement kept under `key`, prepared by `prepare` the first time.
  #fixedStatement(key: string, prepare: () => Statement): Statement {
    let statement = this.#fixed.get(key);
    if (!statement) {
      statement = prepare();
      this.#fixed.set(key, statement);
    }
    return statement;
  }

  #statement(text: string, arrays = false): Statement {
    return (arrays ? this.#arrays : this.#statements).get(text);
  }
}

/** The SQL of a write without a condition check; its parameters are named after `Params`. */
function writeText(
  op: Write['op'],
  check: Exclude<NormalizedCheck, { kind: 'condition' }>,
): string {
  if (op === 'put') {
    if (check.kind === 'mustNotExist') return sql.insert;
    if (check.kind === 'none') return sql.overwrite;
    if (check.kind === 'revisionAbove') return sql.revisionAbove;
  }
  return sql.update(guardOf(check), op === 'delete');
}

/** The WHERE clause of a checked update or delete of a live row. */
function guardOf(check: Exclude<NormalizedCheck, { kind: 'condition' }>): string {
  switch (check.kind) {
    case 'version':
      return check.versionKind === 'revision' ? 'revision = @expected' : 'token = @expected';
    case 'notModifiedSince':
      return 'last_modified <= @time';
    case 'mustExist':
    case 'none':
      return '1';
    case 'mustNotExist':
    case 'revisionAbove':
      // The store refuses these for deletes before a write reaches a backend.
      throw new Error(`${check.kind} cannot guard a delete`);
  }
}

// What a failed write statement means: its token already in the write log (an earlier try
// of this very write committed), the database busy, or an error to pass on as it is.
function failureOf(error: unknown): unknown {
  const message = (error as Error)?.message;
  if (
    typeof message === 'string' &&
    (message.includes(`${sql.WRITE_LOG}.token`) || message.includes(`${sql.REVISIONS}.token`))
  ) {
    return new AlreadyLandedError();
  }
  const unique = uniqueIndexIn(message);
  if (unique) return new UniqueViolation(unique, { cause: error });
  return busyError(error) ?? error;
}

// Another connection held the write lock past the busy timeout. SQLite reports this
// before changing anything, so the write certainly did not land.
function busyError(error: unknown): TransientError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^SQLITE_(BUSY|LOCKED)/.test(code)) return undefined;
  return new TransientError(`The SQLite database stayed locked: ${(error as Error).message}`, {
    ambiguous: false,
    cause: error,
  });
}

function liveMetadata(row: LiveRow): DocumentMetadata {
  return {
    revision: row[2],
    token: row[3],
    seq: row[4],
    lastModified: row[5],
    lastModifiedBy: row[6],
  };
}

function toMetadata(row: sql.MetadataRow): DocumentMetadata {
  return {
    revision: row.revision,
    token: row.token,
    seq: row.seq,
    lastModified: row.last_modified,
    lastModifiedBy: row.last_modified_by,
  };
}

const ROLLED_BACK: WriteOutcome = { status: 'rolledBack' };

// Thrown inside the transaction function so better-sqlite3 rolls back, then unwrapped.
class RolledBack extends Error {
  constructor(readonly outcomes: WriteOutcome[]) {
    super('rolled back');
  }
}

// An append whose projection missed its check: thrown so better-sqlite3 rolls back.
class AppendRolledBack extends Error {
  constructor(readonly outcome: AppendOutcome) {
    super('rolled back');
  }
}

interface EventRow {
  stream_id: string;
  version: bigint;
  position: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  recorded_at: bigint;
}

function toEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    version: Number(row.version),
    position: row.position,
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    timestamp: Number(row.recorded_at),
  };
}

// A page read row by row, so that one of large documents stops at its byte budget (see
// `NormalizedQuery.maxBytes`); the first document past it says that more follow.
const withinBudget = (statement: Statement, values: unknown[], maxBytes: number) =>
  readWithin<FoundRow, FoundDocument | PastBudget>(
    statement.iterate(namedParams(values)) as IterableIterator<FoundRow>,
    maxBytes,
    (row) => row[0],
    foundOf,
    (row) => foundOf([null, row[1]]),
  );
