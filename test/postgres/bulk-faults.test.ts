import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { CutProxy } from '../support/cut-proxy.js';
import { viaProxy } from '../support/pg-proxy.js';
import { dropSchema } from '../support/postgres-schema.js';

interface Item {
  id: string;
  kind: string;
  n: number;
}

const COUNT = 300;
const ids = Array.from({ length: COUNT }, (_, i) => `i${String(i).padStart(4, '0')}`);

// What committed to the documents table, row version by row version: a trigger copies
// each into a table of its own in the same transaction, so a rolled-back try leaves none.
async function installAudit(sql: pg.Pool, schema: string): Promise<void> {
  await sql.query(`
    CREATE TABLE "${schema}".audit (id text, actor text, revision bigint, seq bigint,
      token text, deleted boolean, n numeric);
    CREATE FUNCTION "${schema}".audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO "${schema}".audit VALUES (NEW.id, NEW.last_modified_by, NEW.revision,
        NEW.seq, NEW.token, NEW.deleted, (NEW.body->>'n')::numeric);
      RETURN NULL;
    END $$;
    CREATE TRIGGER audit AFTER INSERT OR UPDATE ON "${schema}".documents
      FOR EACH ROW EXECUTE FUNCTION "${schema}".audit_row();`);
}

// Network faults on a server backend: a TCP proxy cuts the writer's connection at an exact
// point of the protocol. The writer names itself (its actor travels in the statement's
// values), which is how the proxy finds its statements.
describe('PostgreSQL: connection faults during a bulk write', () => {
  const url = new URL(inject('postgresUrl'));
  let schema: string;
  let proxy: CutProxy;
  let sql: pg.Pool;
  let direct: DocumentStore;
  let writer: DocumentStore;

  beforeEach(async () => {
    schema = `nc_test_${randomBytes(6).toString('hex')}`;
    proxy = await CutProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = viaProxy(url, proxy.port);
    direct = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url.href, schema }),
    });
    writer = new DocumentStore({
      backend: new PostgresBackend({ connectionString: proxied, schema, max: 2 }),
      actor: 'bulk-writer',
    });
    await direct.ready();
    sql = new pg.Pool({ connectionString: url.href, max: 1 });
    await installAudit(sql, schema);
    await direct.insertMany(
      direct.collection<Item>('items'),
      ids.map((id, i) => ({ id, kind: i % 3 === 0 ? 'b' : 'a', n: i })),
    );
    await writer.ready(); // connected and migrated before anything is armed
  });

  afterEach(async () => {
    await writer.close();
    await proxy.close();
    await direct.close();
    await sql.end();
    await dropSchema(url.href, schema);
  });

  // Every committed version of every document, by writer: id -> revisions the writer made.
  const committedBy = async (actor: string) => {
    const { rows } = await sql.query<{ id: string; revisions: string[] }>(
      `SELECT id, array_agg(revision::text ORDER BY seq) AS revisions FROM "${schema}".audit
       WHERE actor = $1 GROUP BY id ORDER BY id COLLATE "C"`,
      [actor],
    );
    return new Map(rows.map((row) => [row.id, row.revisions.map(Number)]));
  };

  const matching = ids.filter((_, i) => i % 3 !== 0);

  for (const mode of ['afterCommit', 'before'] as const) {
    it(`updateWhere cut ${mode === 'before' ? 'before the statement reached the server' : 'after it committed'}: every match changed once, the answer is what committed`, async () => {
      const cut = proxy.arm('bulk-writer', mode);
      const result = await writer.updateWhere(
        writer.collection<Item>('items'),
        { kind: 'a' },
        { $inc: { n: 1000 } },
      );
      await cut;
      expect(result.more).toBe(false);
      expect(result.written.map((w) => [w.id, w.version])).toEqual(matching.map((id) => [id, 2]));
      const committed = await committedBy('bulk-writer');
      expect([...committed.keys()]).toEqual(matching);
      expect([...committed.values()].every((r) => r.length === 1 && r[0] === 2)).toBe(true);
      for (const w of result.written) {
        expect(await direct.getMetadata('items', w.id)).toEqual(w.metadata);
      }
      const stored = await direct.find<Item>('items', {}, { limit: 1000, sort: ['id'] });
      expect(stored.documents.map((d) => d.n)).toEqual(
        ids.map((_, i) => (i % 3 === 0 ? i : i + 1000)),
      );
    });

    it(`deleteWhere cut ${mode}: every match deleted once, as the answer says`, async () => {
      const cut = proxy.arm('bulk-writer', mode);
      const result = await writer.deleteWhere(writer.collection<Item>('items'), { kind: 'a' });
      await cut;
      expect(result.written.map((w) => [w.id, w.version])).toEqual(matching.map((id) => [id, 2]));
      const committed = await committedBy('bulk-writer');
      expect([...committed.keys()]).toEqual(matching);
      expect([...committed.values()].every((r) => r.length === 1 && r[0] === 2)).toBe(true);
      expect(await direct.count('items', {})).toBe(COUNT - matching.length);
      const { changes } = await direct.changes({ since: 0, limit: 1000 });
      const tombstones = changes.filter((c) => c.deleted);
      expect(tombstones.map((c) => [c.id, c.metadata.revision])).toEqual(
        result.written.map((w) => [w.id, 2]),
      );
    });

    it(`insertMany cut ${mode} its COMMIT: every document inserted once, as the answer says`, async () => {
      const fresh = Array.from({ length: 200 }, (_, i) => ({ id: `new${i}`, kind: 'c', n: i }));
      const cut = proxy.arm('COMMIT', mode);
      const written = await writer.insertMany(writer.collection<Item>('items'), fresh);
      await cut;
      expect(written.map((w) => [w.id, w.written, w.version])).toEqual(
        fresh.map((d) => [d.id, true, 1]),
      );
      const committed = await committedBy('bulk-writer');
      expect([...committed.keys()].sort()).toEqual(fresh.map((d) => d.id).sort());
      expect([...committed.values()].every((r) => r.length === 1 && r[0] === 1)).toBe(true);
      for (const w of written) {
        expect(await direct.getMetadata('items', w.id)).toEqual(w.metadata);
      }
    });
  }

  it('updateWhere whose reply is lost and whose re-send meets a unique index: settled by the write log, not refused', async () => {
    const seats = (store: DocumentStore) =>
      store.collection<{ id: string; code?: string }>('seats', { unique: ['code'] });
    for (const id of ['s1', 's2', 's3']) await direct.insert(seats(direct), { id });
    await writer.ready();
    // The first try gives s1 the code; the re-send would give it to s2, which the index refuses.
    const cut = proxy.arm('bulk-writer', 'afterCommit');
    const result = await writer.updateWhere(
      seats(writer),
      { code: { $exists: false } },
      { $set: { code: 'X' } },
      { limit: 1 },
    );
    await cut;
    expect(result.written.map((w) => [w.id, w.version])).toEqual([['s1', 2]]);
    expect(await direct.findOne(seats(direct), { code: 'X' })).toEqual({ id: 's1', code: 'X' });
    expect(await direct.count(seats(direct), { code: { $exists: false } })).toBe(2);
  });

  it('insertMany into a collection with a unique field, its COMMIT reply lost: inserted once, not refused', async () => {
    const coded = writer.collection<{ id: string; code: string }>('coded', { unique: ['code'] });
    direct.collection('coded', { unique: ['code'] });
    await writer.ready();
    const fresh = Array.from({ length: 100 }, (_, i) => ({ id: `k${i}`, code: `code-${i}` }));
    const cut = proxy.arm('COMMIT', 'afterCommit');
    const written = await writer.insertMany(coded, fresh);
    await cut;
    expect(written.every((w) => w.written && w.version === 1)).toBe(true);
    expect(await direct.count('coded', {})).toBe(100);
    const committed = await committedBy('bulk-writer');
    expect([...committed.values()].every((r) => r.length === 1 && r[0] === 1)).toBe(true);
  });

  it("a session's updateWhere and deleteWhere, each cut after it committed: its copies as committed, a later save checked against them", async () => {
    const items = writer.collection<Item>('items');
    const session = writer.openSession();
    const [a, b] = (await session.loadMany(items, ['i0001', 'i0002'])) as [Item, Item];
    const updated = proxy.arm('bulk-writer', 'afterCommit');
    await session.updateWhere(items, { kind: 'a', n: { $lt: 10 } }, { $inc: { n: 1000 } });
    await updated;
    // The same objects, reloaded at the version the call wrote.
    expect([a.n, b.n]).toEqual([1001, 1002]);
    expect(session.getMetadata(items, 'i0001')?.revision).toBe(2);
    const deleted = proxy.arm('bulk-writer', 'afterCommit');
    const gone = await session.deleteWhere(items, { id: 'i0002' });
    await deleted;
    expect(gone.written.map((w) => [w.id, w.version])).toEqual([['i0002', 3]]);
    a.kind = 'seen';
    session.store(items, a);
    await session.saveChanges();
    expect(await direct.get<Item>('items', 'i0001')).toEqual({
      id: 'i0001',
      kind: 'seen',
      n: 1001,
    });
    expect(await direct.get('items', 'i0002')).toBeNull();
    const committed = await committedBy('bulk-writer');
    expect(committed.get('i0001')).toEqual([2, 3]);
    expect(committed.get('i0002')).toEqual([2, 3]);
  });

  it('updateWhere on a collection with history, cut after it committed: one revision of each document, the answer from it', async () => {
    const kept = (store: DocumentStore) =>
      store.collection<Item>('kept', { history: { keep: 10 } });
    await direct.insertMany(
      kept(direct),
      ids.slice(0, 100).map((id, i) => ({ id, kind: 'a', n: i })),
    );
    await writer.ready();
    const cut = proxy.arm('bulk-writer', 'afterCommit');
    const result = await writer.updateWhere(kept(writer), { kind: 'a' }, { $inc: { n: 1 } });
    await cut;
    expect(result.written.map((w) => w.version)).toEqual(ids.slice(0, 100).map(() => 2));
    for (const w of result.written.slice(0, 5)) {
      const { revisions } = await direct.history(kept(direct), w.id);
      expect(revisions.map((r) => [r.revision, r.token, r.actor])).toEqual([
        [2, w.metadata.token, 'bulk-writer'],
        [1, expect.any(String), null],
      ]);
    }
  });
});
