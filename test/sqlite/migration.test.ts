import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { SCHEMA_VERSION } from '../../src/backends/sqlite/schema.js';
import { DocumentStore } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// Schema version 1 exactly as the first release created it.
const VERSION_1 = `
  CREATE TABLE noclobber_schema (version INTEGER NOT NULL);
  INSERT INTO noclobber_schema (version) VALUES (1);
  CREATE TABLE noclobber_documents (
    tenant TEXT NOT NULL, collection TEXT NOT NULL, id TEXT NOT NULL, body TEXT,
    revision INTEGER NOT NULL, token TEXT NOT NULL, seq INTEGER NOT NULL,
    last_modified INTEGER NOT NULL, last_modified_by TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, collection, id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX noclobber_documents_seq ON noclobber_documents (seq);
  CREATE INDEX noclobber_documents_tenant_seq ON noclobber_documents (tenant, seq);
  INSERT INTO noclobber_documents VALUES
    ('default', 'orders', 'a', '{"total":1}', 3, 't-a', 41, 1700000000000, NULL, 0),
    ('default', 'orders', 'b', NULL, 2, 't-b', 57, 1700000000000, NULL, 1);
`;

it('a file made by schema version 1 upgrades in place and continues its seq', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-migrate-'));
  dirs.push(dir);
  const filename = join(dir, 'old.db');
  const old = new Database(filename);
  old.exec(VERSION_1);
  old.close();

  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  const orders = store.collection<{ id: string; total: number }>('orders');
  try {
    expect(await store.get(orders, 'a')).toEqual({ id: 'a', total: 1 });
    const result = await store.put(orders, { id: 'a', total: 2 }, { check: { version: 3 } });
    expect(result).toMatchObject({ written: true, metadata: { revision: 4, seq: 58 } });
    const revived = await store.insert(orders, { id: 'b', total: 5 });
    expect(revived).toMatchObject({ metadata: { revision: 3, seq: 59 } });
    const feed = await store.changes();
    expect(feed.changes.map((change) => [change.id, change.metadata.seq])).toEqual([
      ['a', 58],
      ['b', 59],
    ]);
  } finally {
    await store.close();
  }
  const upgraded = new Database(filename, { readonly: true });
  expect(upgraded.prepare('SELECT version FROM noclobber_schema').get()).toEqual({
    version: SCHEMA_VERSION,
  });
  expect(upgraded.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  // The last seq handed out is kept in the write log's counter row, not a table of its own.
  expect(
    upgraded.prepare("SELECT seq FROM noclobber_writes WHERE token = '~' AND tenant = ''").get(),
  ).toEqual({ seq: 59 });
  expect(
    upgraded.prepare("SELECT name FROM sqlite_master WHERE name = 'noclobber_counter'").get(),
  ).toBeUndefined();
  upgraded.close();
});

it('a file from a newer release is refused, not guessed at', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-migrate-'));
  dirs.push(dir);
  const filename = join(dir, 'new.db');
  const newer = new Database(filename);
  newer.exec(
    'CREATE TABLE noclobber_schema (version INTEGER NOT NULL); INSERT INTO noclobber_schema VALUES (99);',
  );
  newer.close();
  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  await expect(store.get(store.collection('orders'), 'a')).rejects.toThrow(/schema version 99/);
  await store.close();
});
