import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { BenchDoc } from './docs.js';

/**
 * The raw driver doing the same work by hand, as an application without noclobber would:
 * a `version` column, `SELECT` then `UPDATE … WHERE id = ? AND version = ?`.
 */
export interface RawDriver {
  insertAll(docs: BenchDoc[]): Promise<void>;
  load(id: string): Promise<{ doc: BenchDoc; version: number }>;
  /** The version-checked update; false when another writer got there first. */
  save(doc: BenchDoc, version: number): Promise<boolean>;
  /** The physical limit: one atomic `UPDATE … SET n = n + 1`, no read, no check. */
  increment(id: string): Promise<void>;
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

export async function rawPostgres(url: string, table: string, max: number): Promise<RawDriver> {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, body jsonb NOT NULL, version int NOT NULL)`,
  );
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table}_events (stream text NOT NULL, version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, PRIMARY KEY (stream, version))`,
  );
  const row = (r: { body: BenchDoc; version: number }) => ({ doc: r.body, version: r.version });
  return {
    async insertAll(docs) {
      await pool.query(
        `INSERT INTO ${table} (id, body, version) SELECT d->>'id', d, 1 FROM jsonb_array_elements($1::jsonb) d`,
        [JSON.stringify(docs)],
      );
    },
    async load(id) {
      const { rows } = await pool.query(`SELECT body, version FROM ${table} WHERE id = $1`, [id]);
      return row(rows[0]);
    },
    async save(doc, version) {
      const { rowCount } = await pool.query(
        `UPDATE ${table} SET body = $1, version = version + 1 WHERE id = $2 AND version = $3`,
        [JSON.stringify(doc), doc.id, version],
      );
      return rowCount === 1;
    },
    async increment(id) {
      await pool.query(
        `UPDATE ${table} SET body = jsonb_set(body, '{n}', to_jsonb((body->>'n')::int + 1)), version = version + 1 WHERE id = $1`,
        [id],
      );
    },
    async loadMany(ids) {
      const { rows } = await pool.query(`SELECT body, version FROM ${table} WHERE id = ANY($1)`, [
        ids,
      ]);
      return rows.map(row);
    },
    async saveMany(items) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const { doc, version } of items) {
          const { rowCount } = await client.query(
            `UPDATE ${table} SET body = $1, version = version + 1 WHERE id = $2 AND version = $3`,
            [JSON.stringify(doc), doc.id, version],
          );
          if (rowCount !== 1) {
            await client.query('ROLLBACK');
            return false;
          }
        }
        await client.query('COMMIT');
        return true;
      } finally {
        client.release();
      }
    },
    async append(stream, type, data) {
      for (let tries = 1; ; tries++) {
        try {
          await pool.query(
            `INSERT INTO ${table}_events (stream, version, type, data)
             SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM ${table}_events WHERE stream = $1`,
            [stream, type, data],
          );
          return tries;
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') throw error;
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
