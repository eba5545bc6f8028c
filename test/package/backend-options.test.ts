import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PostgresBackend,
  type PostgresOptions,
  type PostgresPool,
} from '../../src/backends/postgres/index.js';
import { SqliteBackend, type SqliteDatabase } from '../../src/backends/sqlite/index.js';
import { DocumentStore, InvalidArgumentError } from '../../src/index.js';

// Options that must be refused before any connection is tried: the constructor throws.
function refusal(make: () => unknown): InvalidArgumentError {
  let thrown: unknown;
  try {
    make();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT' });
  return thrown as InvalidArgumentError;
}

describe('PostgresBackend options', () => {
  it('refuses an undefined connectionString, as an unset DATABASE_URL gives it, instead of connecting to the defaults', () => {
    const error = refusal(() => new PostgresBackend({ connectionString: undefined }));
    expect(error.message).toContain('connectionString, poolConfig or pool');
    expect(error.message).toContain('connectionString is undefined');
  });

  it('refuses options that name no database at all', () => {
    refusal(() => new PostgresBackend({}));
    refusal(() => new PostgresBackend({ schema: 'app', max: 2 }));
    refusal(() => new PostgresBackend(undefined as unknown as PostgresOptions));
  });

  it('refuses a connectionString that is empty, blank or not a string', () => {
    for (const connectionString of ['', '  ', 42, null]) {
      const error = refusal(
        () => new PostgresBackend({ connectionString } as unknown as PostgresOptions),
      );
      expect(error.message).toContain('non-empty string');
    }
  });

  it('refuses a pool that is not one, and a pool given together with connection options', () => {
    refusal(() => new PostgresBackend({ pool: {} as unknown as PostgresPool }));
    refusal(
      () => new PostgresBackend({ poolConfig: 'postgres://x' } as unknown as PostgresOptions),
    );
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      refusal(() => new PostgresBackend({ pool, connectionString: 'postgres://x@y/z' }));
      refusal(() => new PostgresBackend({ pool, poolConfig: { max: 1 } }));
    } finally {
      void pool.end();
    }
  });

  it('takes a connectionString, a poolConfig or an application pg.Pool as its structural PostgresPool', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const shared = new PostgresBackend({ pool });
    // The getter gives back the application's own pool.
    expect(shared.pool).toBe(pool);
    await pool.end();
    const fromString = new PostgresBackend({ connectionString: 'postgres://nobody@127.0.0.1:1/x' });
    const fromConfig = new PostgresBackend({ poolConfig: { host: '127.0.0.1', port: 1 } });
    await Promise.all([fromString.close(), fromConfig.close()]);
  });
});

describe('SqliteBackend options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noclobber-options-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the directory when the file is in one that does not exist', () => {
    const missing = join(dir, 'no-such-dir');
    const error = refusal(() => new SqliteBackend({ filename: join(missing, 'app.db') }));
    expect(error.message).toContain(missing);
    expect(error.message).toContain('does not exist');
  });

  it('names the path when the parent is a file, not a directory', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, '');
    const error = refusal(() => new SqliteBackend({ filename: join(file, 'app.db') }));
    expect(error.message).toContain(file);
    expect(error.message).toContain('is not a directory');
  });

  it('refuses a filename that is not a string', () => {
    refusal(() => new SqliteBackend({ filename: 42 as unknown as string }));
  });

  it('opens a file in an existing directory, in memory, and an application Database as its structural SqliteDatabase', async () => {
    const onDisk = new SqliteBackend({ filename: join(dir, 'app.db') });
    const store = new DocumentStore({ backend: onDisk });
    const c = store.collection<{ id: string; n: number }>('things');
    await store.insert(c, { id: 'a', n: 1 });
    expect(await store.get(c, 'a')).toEqual({ id: 'a', n: 1 });
    await store.close();

    const db = new Database(':memory:');
    const typed: SqliteDatabase = db;
    const shared = new SqliteBackend({ database: typed });
    expect(shared.database).toBe(db);
    expect(shared.database.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
    await shared.close();
    // Not closed by the backend: it is the application's.
    expect(db.open).toBe(true);
    db.close();
  });
});
