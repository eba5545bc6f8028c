import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { NormalizedCheck } from '../../concurrency/check.js';
import { TransientError } from '../../concurrency/errors.js';
import { sleep } from '../../concurrency/retry.js';
import type { DocumentMetadata } from '../../store/metadata.js';
import {
  type Backend,
  isFailure,
  missOutcome,
  type StoredChange,
  type StoredDocument,
  type Write,
  type WriteOutcome,
} from '../backend.js';
import { compileCondition } from './condition.js';
import { migrate } from './schema.js';
import * as sql from './statements.js';

/** Options of the SQLite backend. */
export interface SqliteOptions {
  /** The database file, created if missing; `':memory:'` for a private in-memory store. */
  filename?: string;
  /** An already open better-sqlite3 connection to use instead of `filename`. Not closed by `close()`. */
  database?: Database;
  /** How long a writer waits for another process's write lock, in ms. Default 5000. */
  busyTimeout?: number;
}

type Params = Record<string, string | number | null>;

interface DocumentRow extends sql.MetadataRow {
  id: string;
  body: string;
}

// The largest number of distinct condition statements kept prepared at once.
const CONDITION_CACHE_SIZE = 128;

/**
 * noclobber on SQLite through better-sqlite3: WAL, one file per store, every batch in one
 * `BEGIN IMMEDIATE` transaction. Several processes or worker threads may open the same
 * file; SQLite serialises their write transactions and each check runs inside one.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly #db: Database;
  readonly #ownsDatabase: boolean;
  readonly #busyTimeout: number;
  readonly #statements = new Map<string, Statement>();
  #commit?: (writes: readonly Write[]) => WriteOutcome[];

  constructor(options: SqliteOptions = {}) {
    if (options.database) {
      this.#db = options.database;
      this.#ownsDatabase = false;
    } else {
      this.#db = new BetterSqlite3(options.filename ?? ':memory:');
      this.#ownsDatabase = true;
    }
    this.#busyTimeout = Math.max(0, Math.trunc(options.busyTimeout ?? 5000));
    this.#db.pragma(`busy_timeout = ${this.#busyTimeout}`);
  }

  /** The underlying connection, for the application's own queries. */
  get database(): Database {
    return this.#db;
  }

  async migrate(): Promise<void> {
    await this.#enableWal();
    migrate(this.#db);
    this.#commit = this.#db.transaction((writes: readonly Write[]) => {
      const outcomes = writes.map((write) => this.#write(write));
      if (outcomes.some(isFailure)) {
        throw new RolledBack(
          outcomes.map((o) => (o.status === 'ok' ? { status: 'rolledBack' } : o)),
        );
      }
      return outcomes;
    }).immediate;
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
        ? [this.#statement(sql.readOne).get({ tenant, collection, id: ids[0] as string })]
        : this.#statement(sql.readMany).all({ tenant, collection, ids: JSON.stringify(ids) });
    const found = new Map<string, StoredDocument>();
    for (const row of rows as (DocumentRow | undefined)[]) {
      if (row) found.set(row.id, { body: row.body, metadata: toMetadata(row) });
    }
    return found;
  }

  async commit(writes: readonly Write[]): Promise<WriteOutcome[]> {
    if (!this.#commit) throw new Error('SqliteBackend.migrate() must run before commit()');
    // One write needs no transaction around it when it lands: a single statement is atomic
    // on its own. Only a miss needs the transaction, to read the actual row under the lock,
    // and it re-runs the write there, checked against the state it then holds.
    if (writes.length === 1) {
      let landed: sql.MetadataRow | undefined;
      try {
        landed = this.#tryWrite(writes[0] as Write);
      } catch (error) {
        throw busyError(error) ?? error;
      }
      if (landed) return [{ status: 'ok', metadata: toMetadata(landed) }];
    }
    try {
      return this.#commit(writes);
    } catch (error) {
      if (error instanceof RolledBack) return error.outcomes;
      throw busyError(error) ?? error;
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

  async changes(tenant: string, since: number, limit: number): Promise<StoredChange[]> {
    const rows = this.#statement(sql.changes).all({ tenant, since, limit }) as (DocumentRow & {
      collection: string;
      deleted: number;
    })[];
    return rows.map((row) => ({
      collection: row.collection,
      id: row.id,
      deleted: row.deleted === 1,
      body: row.deleted === 1 ? null : row.body,
      metadata: toMetadata(row),
    }));
  }

  async close(): Promise<void> {
    this.#statements.clear();
    if (this.#ownsDatabase && this.#db.open) this.#db.close();
  }

  // One write: its check and its change in one statement; on a miss, the actual row read
  // in the same (still open, write-locked) transaction.
  #write(write: Write): WriteOutcome {
    const row = this.#tryWrite(write);
    if (row) return { status: 'ok', metadata: toMetadata(row) };
    const key = { tenant: write.tenant, collection: write.collection, id: write.id };
    const stored = this.#statement(sql.current).get(key) as
      | (sql.MetadataRow & { deleted: number })
      | undefined;
    const live = stored && stored.deleted === 0 ? toMetadata(stored) : null;
    return missOutcome(write.check, write.op, live);
  }

  // Runs the write's one checked statement: its new metadata, or undefined on a miss.
  // all(), not get(): get() stops at the first row and resets the statement without
  // reporting what the reset returns, which in autocommit is where the commit happens.
  #tryWrite(write: Write): sql.MetadataRow | undefined {
    const { text, params } = this.#writeStatement(write);
    const [row] = this.#statement(text).all({
      ...params,
      tenant: write.tenant,
      collection: write.collection,
      id: write.id,
      token: write.token,
      actor: write.actor,
    }) as sql.MetadataRow[];
    return row;
  }

  #writeStatement(write: Write): { text: string; params: Params } {
    const check = write.check;
    const body: Params = write.op === 'put' ? { body: write.body ?? null } : {};
    if (write.op === 'put') {
      if (check.kind === 'mustNotExist') return { text: sql.insert, params: body };
      if (check.kind === 'none') return { text: sql.overwrite, params: body };
      if (check.kind === 'revisionAbove') {
        return { text: sql.revisionAbove, params: { ...body, revision: check.revision } };
      }
    }
    const { guard, params } = guardOf(check);
    return { text: sql.update(guard, write.op === 'delete'), params: { ...body, ...params } };
  }

  #statement(text: string): Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      if (this.#statements.size >= CONDITION_CACHE_SIZE) this.#statements.clear();
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }
}

/** The WHERE clause of a checked update or delete of a live row. */
function guardOf(check: NormalizedCheck): { guard: string; params: Params } {
  switch (check.kind) {
    case 'version':
      return {
        guard: check.versionKind === 'revision' ? 'revision = @expected' : 'token = @expected',
        params: { expected: check.version },
      };
    case 'notModifiedSince':
      return { guard: 'last_modified <= @time', params: { time: check.time } };
    case 'condition': {
      const compiled = compileCondition(check.condition);
      return { guard: compiled.sql, params: compiled.params };
    }
    case 'mustExist':
    case 'none':
      return { guard: '1', params: {} };
    case 'mustNotExist':
    case 'revisionAbove':
      // The store refuses these for deletes before a write reaches a backend.
      throw new Error(`${check.kind} cannot guard a delete`);
  }
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

function toMetadata(row: sql.MetadataRow): DocumentMetadata {
  return {
    revision: row.revision,
    token: row.token,
    seq: row.seq,
    lastModified: row.last_modified,
    lastModifiedBy: row.last_modified_by,
  };
}

// Thrown inside the transaction function so better-sqlite3 rolls back, then unwrapped.
class RolledBack extends Error {
  constructor(readonly outcomes: WriteOutcome[]) {
    super('rolled back');
  }
}
