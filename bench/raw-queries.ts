import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** A document of the query workloads: a unique code, a number to range over, a group. */
export interface QueryDoc {
  id: string;
  /** Unique: `C-<i>`. */
  code: string;
  /** Spread over 0 … 100,000 by a fixed sequence, so both sides hold the same values. */
  total: number;
  /** `i % groups`: each group holds `docs / groups` documents. */
  group: number;
  n: number;
  customer: { name: string; tier: string };
  note: string;
}

export function makeQueryDoc(i: number, groups: number): QueryDoc {
  return {
    id: `doc-${i}`,
    code: `C-${i}`,
    // A multiplicative hash of i: every value distinct for i < 2^31, fixed across runs.
    total: ((i * 2654435761) % 2 ** 32) / 42_949.67296,
    group: i % groups,
    n: 0,
    customer: { name: `Customer ${i}`, tier: i % 10 === 0 ? 'gold' : 'silver' },
    note: 'x'.repeat(120),
  };
}

/**
 * A document as the hand-written queries return it: with the version a later checked
 * `UPDATE` compares, as noclobber's found documents carry theirs (find it, then save it).
 */
export interface VersionedDoc {
  readonly doc: QueryDoc;
  readonly version: number;
}

/**
 * The query workloads' hand-written side: a table of `(id, body, version)` with the
 * expression indexes an application would create for these queries, every statement
 * prepared. The bulk update bumps `version` only: it keeps no per-row token, no feed
 * position and no write log, which noclobber's `updateWhere()` writes for every document.
 */
export interface RawQueries {
  /** Inserts the documents in one transaction (SQLite) or multi-row statements (PostgreSQL). */
  insertAll(docs: readonly QueryDoc[]): Promise<void>;
  /** Creates the indexes on `code`, `total` and `group` (after loading, as a bulk load does). */
  createIndexes(): Promise<void>;
  byCode(code: string): Promise<VersionedDoc[]>;
  /** `min <= total < max`, by total then id, at most `limit`. */
  totalRange(min: number, max: number, limit: number): Promise<VersionedDoc[]>;
  /** `n += 1` and `version + 1` on every document of `group`; returns how many. */
  bumpGroup(group: number): Promise<number>;
  close(): Promise<void>;
}

/** The hand-written query side on SQLite: better-sqlite3, `json_extract` expression indexes. */
export function rawQueriesSqlite(filename: string): RawQueries {
  const db = new BetterSqlite3(filename);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS raw_query_docs (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID',
  );
  const insert = db.prepare('INSERT INTO raw_query_docs (id, body, version) VALUES (?, ?, 1)');
  const parse = (rows: unknown[]) =>
    (rows as { body: string; version: number }[]).map(
      (r): VersionedDoc => ({ doc: JSON.parse(r.body) as QueryDoc, version: r.version }),
    );
  let byCode: BetterSqlite3.Statement | undefined;
  let range: ((limit: number) => BetterSqlite3.Statement) | undefined;
  const ranges = new Map<number, BetterSqlite3.Statement>();
  let bump: BetterSqlite3.Statement | undefined;
  return {
    async insertAll(docs) {
      db.transaction(() => {
        for (const doc of docs) insert.run(doc.id, JSON.stringify(doc));
      })();
    },
    async createIndexes() {
      db.exec(`CREATE INDEX IF NOT EXISTS raw_query_code ON raw_query_docs (json_extract(body, '$.code'));
        CREATE INDEX IF NOT EXISTS raw_query_total ON raw_query_docs (json_extract(body, '$.total'));
        CREATE INDEX IF NOT EXISTS raw_query_group ON raw_query_docs (json_extract(body, '$.group'));
        ANALYZE;`);
      // Each value is read through `(SELECT ?)`: compared bare with an indexed expression, a
      // bound value makes SQLite (built with STAT4) plan the statement again on every call
      // once the table has statistics, which took longer than the lookup itself.
      byCode = db.prepare(
        "SELECT body, version FROM raw_query_docs WHERE json_extract(body, '$.code') = (SELECT ?)",
      );
      // The limit is written into the text, one statement per limit, for the same reason.
      range = (limit) => {
        let statement = ranges.get(limit);
        if (!statement) {
          statement = db.prepare(
            `SELECT body, version FROM raw_query_docs WHERE json_extract(body, '$.total') >= (SELECT ?) AND json_extract(body, '$.total') < (SELECT ?) ORDER BY json_extract(body, '$.total'), id LIMIT ${Math.trunc(limit)}`,
          );
          ranges.set(limit, statement);
        }
        return statement;
      };
      bump = db.prepare(
        "UPDATE raw_query_docs SET body = json_set(body, '$.n', json_extract(body, '$.n') + 1), version = version + 1 WHERE json_extract(body, '$.group') = ?",
      );
    },
    async byCode(code) {
      return parse((byCode as BetterSqlite3.Statement).all(code));
    },
    async totalRange(min, max, limit) {
      if (!range) throw new Error('createIndexes() first');
      return parse(range(limit).all(min, max));
    },
    async bumpGroup(group) {
      return (bump as BetterSqlite3.Statement).run(group).changes;
    },
    async close() {
      db.close();
    },
  };
}

/**
 * The hand-written query side on PostgreSQL: a `jsonb` body, expression indexes on
 * `body->>'code'` and the numbers cast to `float8`, named prepared statements, on the
 * caller's `pool` (shared with the store it is measured against).
 */
export async function rawQueriesPostgres(pool: pg.Pool, table: string): Promise<RawQueries> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, body jsonb NOT NULL, version int NOT NULL)`,
  );
  const named = (name: string, text: string, values: unknown[]) => ({
    name: `${table}_${name}`,
    text,
    values,
  });
  const parse = (rows: { body: QueryDoc; version: number }[]) =>
    rows.map((r): VersionedDoc => ({ doc: r.body, version: r.version }));
  const total = `((body->>'total')::float8)`;
  return {
    async insertAll(docs) {
      // One multi-row statement per chunk: a single one of a million rows outgrows a message.
      for (let i = 0; i < docs.length; i += 10_000) {
        await pool.query(
          `INSERT INTO ${table} (id, body, version) SELECT d->>'id', d, 1 FROM jsonb_array_elements($1::jsonb) d`,
          [JSON.stringify(docs.slice(i, i + 10_000))],
        );
      }
    },
    async createIndexes() {
      await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_code ON ${table} ((body->>'code'))`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_total ON ${table} (${total}, id)`);
      await pool.query(
        `CREATE INDEX IF NOT EXISTS ${table}_group ON ${table} (((body->>'group')::float8))`,
      );
      await pool.query(`ANALYZE ${table}`);
    },
    async byCode(code) {
      const sql = `SELECT body, version FROM ${table} WHERE body->>'code' = $1`;
      return parse((await pool.query(named('code', sql, [code]))).rows);
    },
    async totalRange(min, max, limit) {
      const sql = `SELECT body, version FROM ${table} WHERE ${total} >= $1 AND ${total} < $2 ORDER BY ${total}, id LIMIT $3`;
      return parse((await pool.query(named('range', sql, [min, max, limit]))).rows);
    },
    async bumpGroup(group) {
      const sql = `UPDATE ${table} SET body = jsonb_set(body, '{n}', to_jsonb((body->>'n')::float8 + 1)), version = version + 1 WHERE (body->>'group')::float8 = $1`;
      return (await pool.query(named('bump', sql, [group]))).rowCount ?? 0;
    },
    async close() {},
  };
}
