import { createHash } from 'node:crypto';
import type pg from 'pg';
import { InvalidArgumentError, TransientError } from '../../core/errors.js';
import type { DocumentMetadata } from '../../core/metadata.js';
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
import { type FoundRow, foundOf } from '../kit/found-row.js';
import { duplicatesError, type IndexSpec, UniqueViolation, uniqueIndexIn } from '../kit/indexes.js';
import { QueryShapes } from '../kit/query-shapes.js';
import type { NormalizedQuery } from '../kit/query-sql.js';
import { type BulkRow, bulkOutcomeOf, bulkStatement } from './bulk.js';
import { compileCondition } from './condition.js';
import { checkConnectionOptions } from './connection-options.js';
import { nodePostgres } from './driver.js';
import { indexEntryError, transientOf } from './errors.js';
import { type Feed, horizon } from './gate.js';
import { type HorizonReading, Horizons } from './horizons.js';
import { ensureIndexes } from './indexes.js';
import {
  type ChunkQuery,
  drawSeqs,
  insertFresh,
  insertMany,
  liveAmong,
  runInsertMany,
} from './insert-many.js';
import { type MetadataRow, toMetadata } from './metadata-row.js';
import { compileOperations } from './ops.js';
import type { PostgresPool, PostgresPoolConfig } from './pool.js';
import { countStatement, findStatement } from './query.js';
import { migrate } from './schema.js';
import * as sql from './statements.js';
import * as streams from './streams.js';
import { PostgresWakeups } from './wakeups.js';

/**
 * Options of the PostgreSQL backend. Give `connectionString` or `poolConfig` (or both:
 * `poolConfig` adds to the connection string), or else `pool`.
 */
export interface PostgresOptions {
  /** e.g. `postgres://user:password@localhost:5432/app`; a non-empty string when given. */
  connectionString?: string;
  /** The application's own pool (a `pg.Pool`). noclobber never ends it. */
  pool?: PostgresPool;
  /** Options for a pool noclobber creates (and ends on `close()`), as `pg.PoolConfig` takes them. */
  poolConfig?: PostgresPoolConfig;
  /** Where noclobber's tables live. Default `'noclobber'`. */
  schema?: string;
  /** Connections in a pool noclobber creates. Default 10. */
  max?: number;
  /**
   * Wake watchers in other processes with LISTEN/NOTIFY: after a write settles (never in
   * its transaction) a NOTIFY, at most one per 5 ms per process, and a connection of the
   * pool listening while this process has a watcher waiting. Without it (the default),
   * watchers see other processes' writes at their next poll.
   */
  notify?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface OutcomeRow {
  ord: number;
  pass: boolean;
  live: boolean;
  cur_revision: string | null;
  cur_token: string | null;
  cur_seq: string | null;
  cur_last_modified: string | null;
  cur_last_modified_by: string | null;
  revision: string | null;
  token: string | null;
  seq: string | null;
  last_modified: string | null;
  last_modified_by: string | null;
  /** Only from the batch statement: an apply's new body, whether it was unfit, and its size. */
  body?: string | null;
  unfit?: boolean;
  applied_bytes?: number | null;
}

/**
 * noclobber on PostgreSQL through node-postgres. Every batch, of one write or many, is
 * one statement in one round trip: it locks the rows, judges every check and writes only
 * if all pass (see `statements.ts`).
 */
export class PostgresBackend implements Backend {
  readonly name = 'postgres';
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #schema: string;
  readonly #quoted: string;
  readonly #statements = new Map<string, string>();
  // The indexes each collection declared (see `ensureIndexes`), which queries are written for.
  readonly #indexes = new Map<string, readonly IndexSpec[]>();
  readonly #prepared = new Map<string, string>();
  // The limit is part of a shape: a find statement may write it (see `findStatement`).
  readonly #shapes = new QueryShapes({ limitInShape: true });
  readonly #horizons = new Horizons((feed) => this.#horizonQuery(feed));
  /** LISTEN/NOTIFY wake-ups of watchers, with `notify: true`. */
  readonly wakeups: PostgresWakeups | undefined;

  constructor(options: PostgresOptions) {
    checkConnectionOptions(options);
    const schema = options.schema ?? 'noclobber';
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
      throw new InvalidArgumentError(
        'A schema name is 1 to 63 lowercase letters, digits or underscores, not starting with a digit',
      );
    }
    this.#schema = schema;
    // Validated above to plain lowercase identifier characters, so quoting is exact.
    this.#quoted = `"${schema}"`;
    if (options.pool) {
      // Typed by what noclobber calls on it; at run time it is the application's pg.Pool.
      this.#pool = options.pool as pg.Pool;
      this.#ownsPool = false;
    } else {
      this.#pool = new nodePostgres.Pool({
        ...(options.connectionString === undefined
          ? {}
          : { connectionString: options.connectionString }),
        max: options.max ?? 10,
        ...options.poolConfig,
      });
      this.#ownsPool = true;
      // An idle connection that dies (server restart, terminated backend) must not crash
      // the process; the pool drops it and the next query gets a fresh one.
      this.#pool.on('error', () => {});
    }
    this.wakeups = options.notify ? new PostgresWakeups(this.#pool, schema) : undefined;
  }

  /** The pool (a `pg.Pool`), for the application's own queries. */
  get pool(): PostgresPool {
    return this.#pool;
  }

  /** The schema noclobber's tables live in. */
  get schema(): string {
    return this.#schema;
  }

  async migrate(): Promise<void> {
    await migrate(this.#pool, this.#schema, this.#quoted);
  }

  async read(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, StoredDocument>> {
    const rows = await this.#query<MetadataRow & { id: string; body: string }>(
      ids.length === 1 ? this.#sql('readOne', sql.readOne) : this.#sql('read', sql.read),
      [tenant, collection, ids.length === 1 ? ids[0] : ids],
    );
    return new Map(rows.map((row) => [row.id, { body: row.body, metadata: toMetadata(row) }]));
  }

  async find(
    tenant: string,
    collection: string,
    query: NormalizedQuery,
  ): Promise<(FoundDocument | PastBudget)[]> {
    const indexes = this.#indexes.get(collection);
    const { text, values } = this.#shapes.statement(tenant, collection, indexes, query, (q) =>
      findStatement(this.#quoted, tenant, collection, q, indexes),
    );
    const shaped = this.#shaped('find', text);
    const rows = await this.#query<FoundRow>(shaped, values, false, this.#pool, true);
    return rows.map(foundOf);
  }

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.#indexes.set(collection, indexes);
    try {
      await ensureIndexes(this.#pool, this.#schema, this.#quoted, collection, indexes);
    } catch (error) {
      throw (
        transientOf(error, false) ??
        duplicatesError(error, collection, indexes) ??
        indexEntryError(error, `The indexes of ${collection} were not made`) ??
        error
      );
    }
  }

  async explain(tenant: string, collection: string, query: NormalizedQuery): Promise<string> {
    const indexes = this.#indexes.get(collection);
    const { text, values } = findStatement(this.#quoted, tenant, collection, query, indexes);
    const rows = await this.#query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  async count(
    tenant: string,
    collection: string,
    filter: NormalizedQuery['filter'],
  ): Promise<number> {
    const indexes = this.#indexes.get(collection);
    const { text, values } = countStatement(this.#quoted, tenant, collection, filter, indexes);
    const [row] = await this.#query<{ n: string }>(this.#shaped('count', text), values);
    return Number(row?.n ?? 0);
  }

  async writeWhere(bulk: BulkWrite): Promise<BulkOutcome> {
    const indexes = this.#indexes.get(bulk.collection);
    const { text, values } = bulkStatement(this.#quoted, bulk, indexes);
    const rows = await this.#query<BulkRow>(this.#shaped('bulk', text), values, true);
    return bulkOutcomeOf(bulk, rows);
  }

  async commit(writes: readonly Write[]): Promise<WriteOutcome[]> {
    const { text, values } = this.#batch(writes);
    const rows = await this.#query<OutcomeRow>(text, values, true);
    return rows.map((row, i) => outcomeOf(writes[i] as Write, row));
  }

  /**
   * A batch of inserts (see `Backend.insertMany`): one transaction on one connection, one
   * statement per chunk of up to 5,000 documents in key order (see `runInsertMany`),
   * committed only when every document landed.
   */
  async insertMany(writes: readonly Write[]): Promise<WriteOutcome[]> {
    if (writes.length === 0) return [];
    const texts = {
      seqs: this.#sql('drawSeqs', drawSeqs),
      fresh: this.#sql('insertFresh', insertFresh),
      checked: this.#sql('insertMany', insertMany),
      live: this.#sql('liveAmong', liveAmong),
    };
    return this.#transaction(async (client, committing) => {
      const query: ChunkQuery = (text, values) => this.#query(text, values, false, client);
      const outcomes = await runInsertMany(writes, query, texts);
      const commit = !outcomes.some(isFailure);
      if (commit) committing();
      return { commit, value: outcomes };
    });
  }

  async lockedWrite(
    key: DocumentKey,
    decide: (stored: StoredDocument | undefined) => Promise<Write | undefined>,
  ): Promise<WriteOutcome | undefined> {
    return this.#transaction(async (client, committing) => {
      const [row] = await this.#query<MetadataRow & { body: string; deleted: boolean }>(
        this.#sql('readForUpdate', sql.readForUpdate),
        [key.tenant, key.collection, key.id],
        false,
        client,
      );
      const stored =
        row && !row.deleted ? { body: row.body, metadata: toMetadata(row) } : undefined;
      const write = await decide(stored);
      if (!write) return { commit: false, value: undefined };
      const { text, values } = this.#batch([write]);
      committing();
      const [outcome] = await this.#query<OutcomeRow>(text, values, true, client);
      return { commit: true, value: outcomeOf(write, outcome as OutcomeRow) };
    });
  }

  async appendToStream(append: StreamAppend): Promise<AppendOutcome> {
    const [kind, expected] = streams.expectationParams(append.expected);
    const values = [
      append.tenant,
      append.streamId,
      append.events.length,
      kind,
      expected,
      append.events.map((e) => e.id),
      append.events.map((e) => e.type),
      append.events.map((e) => e.data),
      append.events.map((e) => e.metadata),
      append.token,
    ];
    const text = this.#sql('append', streams.append);
    const projection = append.projection;
    if (!projection) {
      const [row] = await this.#query<AppendRow>(text, values, true);
      return appendOutcomeOf(row as AppendRow);
    }
    // With a projection, the document write joins the append's transaction.
    return this.#appendProjected(text, values, projection);
  }

  #appendProjected(text: string, values: unknown[], projection: Write): Promise<AppendOutcome> {
    return this.#transaction<AppendOutcome>(async (client, committing) => {
      committing();
      const [head] = await this.#query<AppendRow>(text, values, true, client);
      const appended = appendOutcomeOf(head as AppendRow);
      if (appended.status !== 'ok') return { commit: false, value: appended };
      const { text: write, values: params } = this.#batch([projection]);
      const [row] = await this.#query<OutcomeRow>(write, params, true, client);
      const outcome = outcomeOf(projection, row as OutcomeRow);
      if (isFailure(outcome)) {
        return { commit: false, value: { status: 'projectionFailed', projection: outcome } };
      }
      return { commit: true, value: { ...appended, projection: outcome } };
    });
  }

  async readStream(tenant: string, streamId: string, range: StreamRange): Promise<StoredEvent[]> {
    const text = this.#sql(`read_stream_${range.direction}`, streams.readStream(range.direction));
    const rows = await this.#query<EventRow>(text, [
      tenant,
      streamId,
      range.from,
      range.to,
      range.limit,
    ]);
    return rows.map(toEvent);
  }

  async readAll(tenant: string, after: bigint, limit: number): Promise<StoredEvent[]> {
    const upTo = await this.#horizons.get('event_position');
    if (after >= upTo) return [];
    const rows = await this.#query<EventRow>(this.#sql('read_all', streams.readAll), [
      tenant,
      after.toString(),
      limit,
      upTo.toString(),
    ]);
    return rows.map(toEvent);
  }

  // One horizon statement (see `gate.ts`).
  async #horizonQuery(feed: Feed): Promise<HorizonReading> {
    const [row] = await this.#query<HorizonReading>(
      this.#sql(`horizon_${feed}`, horizon(feed)),
      [],
    );
    return row as HorizonReading;
  }

  // Runs `work` in a transaction on one connection: COMMIT when it says so, ROLLBACK when
  // it says not or throws. `committing()` marks the point after which a lost connection
  // leaves the outcome unknown (an ambiguous TransientError).
  async #transaction<T>(
    work: (client: pg.PoolClient, committing: () => void) => Promise<{ commit: boolean; value: T }>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw transientOf(error, false) ?? error;
    }
    let broken: Error | undefined;
    let inFlight = false;
    // A checked-out client whose connection dies between queries emits 'error'; unheard,
    // that would crash the process. The next query fails anyway, and release() drops it.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const { commit, value } = await work(client, () => {
        inFlight = true;
      });
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return value;
    } catch (error) {
      // ROLLBACK on a live connection; a dead one is dropped by release(error) below.
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      if (error instanceof TransientError) throw error;
      throw transientOf(error, inFlight) ?? error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async peek(
    tenant: string,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, DocumentMetadata>> {
    const rows = await this.#query<MetadataRow & { id: string }>(this.#sql('peek', sql.peek), [
      tenant,
      collection,
      ids,
    ]);
    return new Map(rows.map((row) => [row.id, toMetadata(row)]));
  }

  async landed(tenant: string, tokens: readonly string[]): Promise<Map<string, LandedWrite>> {
    const rows = await this.#query<LandedRow>(this.#sql('landed', sql.landed), [tenant, tokens]);
    return landedByToken(rows);
  }

  async pruneWrites(before: number, limit: number): Promise<number> {
    const result = await this.#pool
      .query(this.#sql('pruneWrites', sql.pruneWrites), [before, limit, tokenFloor(before)])
      .catch((error: unknown) => {
        throw transientOf(error, false) ?? error;
      });
    return result.rowCount ?? 0;
  }

  async revisions(key: DocumentKey, range: RevisionRange): Promise<StoredRevision[]> {
    const rows = await this.#query<RevisionRow>(this.#sql('revisions', sql.revisions), [
      key.tenant,
      key.collection,
      key.id,
      range.before,
      range.limit,
    ]);
    return rows.map(revisionOf);
  }

  async revision(key: DocumentKey, revision: number): Promise<StoredRevision | undefined> {
    const [row] = await this.#query<RevisionRow>(this.#sql('revision', sql.revision), [
      key.tenant,
      key.collection,
      key.id,
      revision,
    ]);
    return row && revisionOf(row);
  }

  async pruneRevisions(rule: RevisionPrune): Promise<number> {
    const result = await this.#pool
      .query(this.#sql('pruneRevisions', sql.pruneRevisions), [
        rule.collection,
        tokenFloor(rule.protectFrom),
        rule.keep ?? null,
        rule.before ?? null,
        rule.limit,
        rule.protectFrom,
      ])
      .catch((error: unknown) => {
        throw transientOf(error, false) ?? error;
      });
    return result.rowCount ?? 0;
  }

  async changes(
    tenant: string,
    since: number,
    limit: number,
    filter: ChangesFilter = {},
  ): Promise<StoredChange[]> {
    const { collection, maxBytes = Number.MAX_SAFE_INTEGER } = filter;
    const upTo = await this.#horizons.get('seq');
    if (BigInt(since) >= upTo) return [];
    const text =
      collection === undefined
        ? this.#sql('changes', sql.changes(false))
        : this.#sql('changes_of_collection', sql.changes(true));
    const rows = await this.#query<
      MetadataRow & { collection: string; id: string; body: string | null; deleted: boolean }
    >(text, [
      tenant,
      since,
      limit,
      maxBytes,
      upTo.toString(),
      ...(collection === undefined ? [] : [collection]),
    ]);
    return rows.map((row) => ({
      collection: row.collection,
      id: row.id,
      deleted: row.deleted,
      body: row.deleted ? null : row.body,
      metadata: toMetadata(row),
    }));
  }

  async close(): Promise<void> {
    await this.wakeups?.close();
    if (this.#ownsPool) await this.#pool.end();
  }

  // Every query goes through here, so connection failures become `TransientError`s, a
  // statement that raced with a concurrent insert a `TransientError` that certainly did not
  // commit, and a token already in the write log `AlreadyLandedError`.
  // `arrays`: rows as arrays of their columns, which spares the driver an object per row.
  async #query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    writes = false,
    on: pg.Pool | pg.PoolClient = this.#pool,
    arrays = false,
  ): Promise<R[]> {
    // The fixed statements are prepared once per connection: planning the batch
    // statement costs more than running it. Condition statements vary, so are not.
    const name = this.#prepared.get(text);
    try {
      const sent = arrays
        ? on.query({ name, text, values, rowMode: 'array' } as pg.QueryArrayConfig)
        : on.query<R>({ name, text, values });
      return (await sent).rows as R[];
    } catch (error) {
      throw writeErrorOf(error) ?? transientOf(error, writes) ?? error;
    }
  }

  #sql(name: string, make: (schema: string) => string): string {
    let text = this.#statements.get(name);
    if (text === undefined) {
      text = make(this.#quoted);
      this.#statements.set(name, text);
      // Named per schema and text, so stores on other schemas never share a name.
      const digest = createHash('sha1').update(text).digest('hex').slice(0, 16);
      this.#prepared.set(text, `noclobber_${name}_${digest}`);
    }
    return text;
  }

  // The batch's arrays, one per input column, and its condition checks as one CASE. A
  // batch of one write (every update(), apply() and one-call write) takes the lighter
  // single-write statement, with the same fields as scalar parameters.
  #batch(writes: readonly Write[]): { text: string; values: unknown[] } {
    if (writes.length === 1) return this.#one(writes[0] as Write);
    const columns: unknown[][] = sql.INPUT_COLUMNS.map(() => []);
    const extra: unknown[] = [];
    const bind = (value: unknown) => {
      extra.push(value);
      return `$${sql.INPUT_COLUMNS.length + extra.length}`;
    };
    const cases: string[] = [];
    const applies: string[] = [];
    writes.forEach((write, ord) => {
      const c = write.check;
      const row = inputRow(write, ord);
      for (const [i, value] of row.entries()) (columns[i] as unknown[]).push(value);
      if (c.kind === 'condition') {
        cases.push(`WHEN ${ord} THEN ${compileCondition(c.condition, bind)}`);
      }
      if (write.op === 'apply') {
        applies.push(`WHEN ${ord} THEN ${compileOperations(write.operations ?? [], bind)}`);
      }
    });
    const conditions = cases.length ? `CASE i.ord ${cases.join(' ')} END` : 'false';
    const applied = applies.length ? `CASE i.ord ${applies.join(' ')} END` : undefined;
    const values = [...columns, ...extra];
    const history = writes.some((w) => w.history === true);
    if (!cases.length && !applied) {
      const name = history ? 'commitHistory' : 'commit';
      return {
        text: this.#sql(name, (s) => sql.commitBatch(s, 'false', undefined, history)),
        values,
      };
    }
    return { text: sql.commitBatch(this.#quoted, conditions, applied, history), values };
  }

  // The single-write statement. Without a condition or operations its text is fixed; with
  // them it varies with their shape, and a hot document takes the same few shapes again
  // and again: those are prepared (planning costs more than running), up to a bound.
  #one(write: Write): { text: string; values: unknown[] } {
    const extra: unknown[] = [];
    const bind = (value: unknown) => {
      extra.push(value);
      return `$${sql.INPUT_COLUMNS.length - 1 + extra.length}`;
    };
    const check = write.check;
    const kind = check.kind;
    // Only these checks can pass on an absent row, and only a put inserts.
    const canInsert =
      write.op === 'put' &&
      (kind === 'mustNotExist' || kind === 'revisionAbove' || kind === 'none');
    const values = inputRow(write, 0).slice(1);
    const condition = kind === 'condition' ? compileCondition(check.condition, bind) : undefined;
    const applied =
      write.op === 'apply' ? compileOperations(write.operations ?? [], bind) : undefined;
    const history = write.history === true;
    if (condition === undefined && applied === undefined) {
      const name = `commitOne${canInsert ? 'Insert' : 'Update'}${history ? 'History' : ''}`;
      const text = this.#sql(name, (s) => sql.commitOne(s, { canInsert, history }));
      return { text, values };
    }
    const text = sql.commitOne(this.#quoted, { canInsert, condition, applied, history });
    return { text: this.#shaped('one', text), values: [...values, ...extra] };
  }

  // A statement whose text varies with the shape of a condition or operations: the same
  // few shapes come again and again, and are prepared (planning costs more than running),
  // up to a bound.
  #shaped(kind: string, text: string): string {
    // A shape met before is named already: no digest of its text on every call.
    if (this.#prepared.has(text) || this.#statements.size >= PREPARED_SHAPES) return text;
    const digest = createHash('sha1').update(text).digest('hex').slice(0, 16);
    return this.#sql(`${kind}_${digest}`, () => text);
  }
}

// How many statements of apply shapes are prepared, at most, beside the fixed ones.
const PREPARED_SHAPES = 64;

// The failures of a write statement that say what certainly happened: nothing was written.
function writeErrorOf(error: unknown): Error | undefined {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (
    e?.code === '23505' &&
    (e.constraint === sql.TOKEN_CONSTRAINT || e.constraint === sql.REVISION_TOKEN_CONSTRAINT)
  ) {
    return new AlreadyLandedError();
  }
  const unique = e?.code === '23505' ? uniqueIndexIn(e.constraint) : undefined;
  if (unique) return new UniqueViolation(unique, { cause: error });
  const tooLong = indexEntryError(error, 'Nothing was written');
  if (tooLong) return tooLong;
  if (typeof e?.message === 'string' && e.message.includes(sql.RACED)) {
    return new TransientError('The write raced with a concurrent insert of the same id', {
      ambiguous: false,
      cause: error,
    });
  }
  return undefined;
}

// One write's values, in the order of `sql.INPUT_COLUMNS`.
function inputRow(write: Write, ord: number): unknown[] {
  const c = write.check;
  return [
    ord,
    write.tenant,
    write.collection,
    write.id,
    write.op,
    c.kind,
    write.body ?? null,
    write.token,
    write.actor,
    c.kind === 'version' && c.versionKind === 'revision' ? c.version : null,
    c.kind === 'version' && c.versionKind === 'token' ? c.version : null,
    c.kind === 'notModifiedSince' ? Math.floor(c.time) : null,
    c.kind === 'revisionAbove' ? c.revision : null,
    c.kind === 'revisionAbove' ? c.silent : false,
    write.maxBytes ?? null,
    write.history === true,
    write.parents === undefined ? null : `{${write.parents.join(',')}}`,
  ];
}

function outcomeOf(write: Write, row: OutcomeRow): WriteOutcome {
  if (row.revision !== null) {
    const metadata = toMetadata(row as unknown as MetadataRow);
    return typeof row.body === 'string'
      ? { status: 'ok', metadata, body: row.body }
      : { status: 'ok', metadata };
  }
  if (row.pass && row.unfit) {
    return row.applied_bytes === null || row.applied_bytes === undefined
      ? { status: 'unfit', reason: 'type' }
      : { status: 'unfit', reason: 'size', bytes: Number(row.applied_bytes) };
  }
  const actual: DocumentMetadata | null =
    row.live && row.cur_revision !== null
      ? toMetadata({
          revision: row.cur_revision,
          token: row.cur_token as string,
          seq: row.cur_seq as string,
          last_modified: row.cur_last_modified as string,
          last_modified_by: row.cur_last_modified_by,
        })
      : null;
  // Passed, yet not written: another write of the batch failed, so nothing was.
  if (row.pass) return { status: 'rolledBack' };
  return missOutcome(write.check, write.op, actual);
}

interface AppendRow {
  cur_version: string | null;
  version: string | null;
  positions: string[] | null;
  now: string;
}

function appendOutcomeOf(row: AppendRow): AppendOutcome {
  if (row.version === null || row.positions === null) {
    return { status: 'conflict', actual: Number(row.cur_version ?? 0) };
  }
  return {
    status: 'ok',
    version: Number(row.version),
    positions: row.positions.map(BigInt),
    timestamp: Number(row.now),
  };
}

interface EventRow {
  stream_id: string;
  version: string;
  position: string;
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  recorded_at: string;
}

function toEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    version: Number(row.version),
    position: BigInt(row.position),
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    timestamp: Number(row.recorded_at),
  };
}
