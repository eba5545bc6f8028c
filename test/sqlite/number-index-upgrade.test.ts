import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { registerNumberKeyFunction } from '../../src/backends/sqlite/number-order.js';
import { DocumentStore } from '../../src/index.js';
import { oldNumberIndex } from '../support/old-number-key.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Order {
  id: string;
  total: number;
}

const TOTALS = [-5.3155507604509186e-257, 5e-324, 1.7976931348623157e308, -0, 0.1, 100, 1e21];
const orders: Order[] = Array.from({ length: 400 }, (_, i) => ({
  id: `o${String(i).padStart(4, '0')}`,
  total: TOTALS[i % TOTALS.length] as number,
}));

const open = (filename: string) => {
  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  return {
    store,
    c: store.collection<Order>('orders', { indexes: [{ field: 'total', type: 'number' }] }),
  };
};

const indexSql = (db: Database.Database) =>
  db.prepare(`SELECT name, sql FROM sqlite_master WHERE name LIKE 'nc_ix_%'`).get() as {
    name: string;
    sql: string;
  };

it('a number index an older release keyed by a long SQL expression is built again with the function', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-number-index-'));
  dirs.push(dir);
  const filename = join(dir, 'old.db');
  const first = open(filename);
  await first.store.insertMany(first.c, orders);
  await first.store.close();
  // The file as the previous release left it: the same index name over the old expression.
  const raw = new Database(filename);
  const { name } = indexSql(raw);
  raw.exec(`DROP INDEX ${name}`);
  raw.exec(oldNumberIndex(name, 'orders', 'total'));
  expect(indexSql(raw).sql).toContain('printf');
  raw.close();

  const { store, c } = open(filename);
  try {
    const filter = { total: { $gt: 0.1 } };
    const { indexes, plan } = await store.explain(c, filter);
    expect(
      indexes.map((i) => i.name),
      plan,
    ).toEqual([name]);
    const found = await store.find(c, filter, { sort: 'total', limit: 1000 });
    const want = orders
      .filter((o) => o.total > 0.1)
      .sort((a, b) => a.total - b.total || (a.id < b.id ? -1 : 1));
    expect(found.documents.map((d) => d.id)).toEqual(want.map((o) => o.id));
    expect(await store.count(c, { total: -5.3155507604509186e-257 })).toBe(58);
    const updated = await store.updateWhere(c, { total: { $lt: 0 } }, { $set: { total: -1 } });
    expect(updated.written).toHaveLength(58);
  } finally {
    await store.close();
  }
  const upgraded = new Database(filename);
  expect(indexSql(upgraded)).toMatchObject({
    name,
    sql: expect.stringContaining('noclobber_number_key('),
  });
  expect(indexSql(upgraded).sql).not.toContain('printf');
  // Checking the index computes its keys again, which takes the function.
  registerNumberKeyFunction(upgraded);
  expect(upgraded.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  // An index already as this release writes it is left alone: the schema does not change.
  const version = upgraded.pragma('schema_version', { simple: true });
  upgraded.close();
  const again = open(filename);
  await again.store.count(again.c);
  await again.store.close();
  const last = new Database(filename, { readonly: true });
  expect(last.pragma('schema_version', { simple: true })).toBe(version);
  last.close();
});
