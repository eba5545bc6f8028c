import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { BenchDoc } from './docs.js';

/**
 * The same work written by hand, the way a performance-minded application does it
 * without noclobber: a `version` column, `SELECT` then `UPDATE … WHERE id = ? AND
 * version = ?`, every statement prepared, a batch as one statement.
 */
export interface RawDriver {
  insertAll(docs: BenchDoc[]): Promise<void>;
  load(id: string): Promise<{ doc: BenchDoc; version: number }>;
  /** The version-checked update; false when another writer got there first. */
  save(doc: BenchDoc, version: number): Promise<boolean>;
  /** The physical limit: one atomic `UPDATE … SET n = n + 1`, no read, no check. */
  increment(id: string): Promise<void>;
  /**
   * The guarded decrement: one prepared `UPDATE` taking 1 from `stock` only while
   * `stock >= 1`, checked in the same statement. False when the guard missed (sold out).
   */
  sellOne(id: string): Promise<boolean>;
  loadMany(ids: string[]): Promise<{ doc: BenchDoc; version: number }[]>;
  /** Every checked update in one transaction; false (and rolled back) if any missed. */
  saveMany(items: { doc: BenchDoc; version: number }[]): Promise<boolean>;
  /**
   * Appends one event at the end of a stream the way applications do by hand: version =
   * max + 1 under a unique (stream, version) key, again on a duplicate. Returns the tries.
   */
  append(stream: string, type: string, data: string): Promise<number>;
  close(): Promise<void>;
}

/** The hand-written driver on SQLite: better-sqlite3, every statement prepared once. */
export function rawSqlite(filename: string): RawDriver {
  const db = new BetterSqlite3(filename);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS raw_docs (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID',
  );
  const insert = db.prepare('INSERT INTO raw_docs (id, body, version) VALUES (?, ?, 1)');
  const select = db.prepare('SELECT body, version FROM raw_docs WHERE id = ?');
  const selectMany = db.prepare(
    'SELECT body, version FROM raw_docs WHERE id IN (SELECT value FROM json_each(?))',
  );
  const update = db.prepare(
    'UPDATE raw_docs SET body = ?, version = version + 1 WHERE id = ? AND version = ?',
  );
  const increment = db.prepare(
    "UPDATE raw_docs SET body = json_set(body, '$.n', json_extract(body, '$.n') + 1), version = version + 1 WHERE id = ?",
  );
  const sellOne = db.prepare(
    "UPDATE raw_docs SET body = json_set(body, '$.stock', json_extract(body, '$.stock') - 1), version = version + 1 WHERE id = ? AND json_extract(body, '$.stock') >= 1",
  );
  db.exec(
    'CREATE TABLE IF NOT EXISTS raw_events (stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (stream, version))',
  );
  // One statement: SQLite's write lock makes max + 1 safe, so it never needs a second try.
  const append = db.prepare(
    'INSERT INTO raw_events (stream, version, type, data) SELECT ?, coalesce(max(version), 0) + 1, ?, ? FROM raw_events WHERE stream = ?',
  );
  const row = (r: { body: string; version: number }) => ({
    doc: JSON.parse(r.body) as BenchDoc,
    version: r.version,
  });
  // In process, a prepared UPDATE per row inside one transaction is already the batch:
  // there is no round trip to save by folding the rows into one statement.
  const saveMany = db.transaction((items: { doc: BenchDoc; version: number }[]) => {
    for (const { doc, version } of items) {
      if (update.run(JSON.stringify(doc), doc.id, version).changes !== 1) throw new Missed();
    }
  });
  return {
    async insertAll(docs) {
      db.transaction(() => {
        for (const doc of docs) insert.run(doc.id, JSON.stringify(doc));
      })();
    },
    async load(id) {
      return row(select.get(id) as { body: string; version: number });
    },
    async save(doc, version) {
      return update.run(JSON.stringify(doc), doc.id, version).changes === 1;
    },
    async increment(id) {
      increment.run(id);
    },
    async sellOne(id) {
      return sellOne.run(id).changes === 1;
    },
    async loadMany(ids) {
      return (selectMany.all(JSON.stringify(ids)) as { body: string; version: number }[]).map(row);
    },
    async saveMany(items) {
      try {
        saveMany.immediate(items);
        return true;
      } catch (error) {
        if (error instanceof Missed) return false;
        throw error;
      }
    },
    async append(stream, type, data) {
      append.run(stream, type, data, stream);
      return 1;
    },
    async close() {
      db.close();
    },
  };
}

class Missed extends Error {}

/**
 * The hand-written driver on PostgreSQL through node-postgres. By default every statement
 * is a named prepared statement and a batch of checked updates is one `UPDATE … FROM
 * unnest(…)` whose row count is checked before `COMMIT`. `naive` is how code is often
 * written instead (unprepared statements, one `UPDATE` per document of a batch), kept to
 * show what the two choices are worth. `pool` is the caller's: the bench shares it with
 * the store measured against this driver (see `postgresBenchTarget`).
 */
export async function rawPostgres(
  pool: pg.Pool,
  table: string,
  { naive = false }: { naive?: boolean } = {},
): Promise<RawDriver> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, body jsonb NOT NULL, version int NOT NULL)`,
  );
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table}_events (stream text NOT NULL, version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, PRIMARY KEY (stream, version))`,
  );
  // A query config: named (prepared once per connection, then only bound and executed)
  // unless naive.
  const q = (name: string, text: string, values: unknown[]): pg.QueryConfig =>
    naive ? { text, values } : { name: `${table}_${name}`, text, values };
  const update = `UPDATE ${table} SET body = $1, version = version + 1 WHERE id = $2 AND version = $3`;
  const row = (r: { body: BenchDoc; version: number }) => ({ doc: r.body, version: r.version });
  const inTransaction = async (work: (client: pg.PoolClient) => Promise<boolean>) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const ok = await work(client);
      await client.query(ok ? 'COMMIT' : 'ROLLBACK');
      return ok;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    async insertAll(docs) {
      await pool.query(
        `INSERT INTO ${table} (id, body, version) SELECT d->>'id', d, 1 FROM jsonb_array_elements($1::jsonb) d`,
        [JSON.stringify(docs)],
      );
    },
    async load(id) {
      const { rows } = await pool.query(
        q('load', `SELECT body, version FROM ${table} WHERE id = $1`, [id]),
      );
      return row(rows[0]);
    },
    async save(doc, version) {
      const { rowCount } = await pool.query(
        q('save', update, [JSON.stringify(doc), doc.id, version]),
      );
      return rowCount === 1;
    },
    async increment(id) {
      await pool.query(
        q(
          'increment',
          `UPDATE ${table} SET body = jsonb_set(body, '{n}', to_jsonb((body->>'n')::int + 1)), version = version + 1 WHERE id = $1`,
          [id],
        ),
      );
    },
    async sellOne(id) {
      const { rowCount } = await pool.query(
        q(
          'sellOne',
          `UPDATE ${table} SET body = jsonb_set(body, '{stock}', to_jsonb((body->>'stock')::int - 1)), version = version + 1 WHERE id = $1 AND (body->>'stock')::int >= 1`,
          [id],
        ),
      );
      return rowCount === 1;
    },
    async loadMany(ids) {
      const { rows } = await pool.query(
        q('loadMany', `SELECT body, version FROM ${table} WHERE id = ANY($1::text[])`, [ids]),
      );
      return rows.map(row);
    },
    async saveMany(items) {
      if (naive) {
        return inTransaction(async (client) => {
          for (const { doc, version } of items) {
            const { rowCount } = await client.query(update, [JSON.stringify(doc), doc.id, version]);
            if (rowCount !== 1) return false;
          }
          return true;
        });
      }
      return inTransaction(async (client) => {
        const { rowCount } = await client.query(
          q(
            'saveMany',
            `UPDATE ${table} t SET body = u.body, version = t.version + 1
             FROM unnest($1::text[], $2::jsonb[], $3::int[]) AS u(id, body, version)
             WHERE t.id = u.id AND t.version = u.version`,
            [
              items.map((i) => i.doc.id),
              items.map((i) => JSON.stringify(i.doc)),
              items.map((i) => i.version),
            ],
          ),
        );
        return rowCount === items.length;
      });
    },
    async append(stream, type, data) {
      for (let tries = 1; ; tries++) {
        try {
          await pool.query(
            q(
              'append',
              `INSERT INTO ${table}_events (stream, version, type, data)
               SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM ${table}_events WHERE stream = $1`,
              [stream, type, data],
            ),
          );
          return tries;
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') throw error;
        }
      }
    },
    // The pool is the caller's, shared with the store measured against this driver.
    async close() {},
  };
}
