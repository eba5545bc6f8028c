import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { statisticsName } from '../../src/backends/postgres/indexes.js';
import { DocumentStore } from '../../src/index.js';
import { testSchema } from '../support/postgres-schema.js';

interface Sale {
  id: string;
  code: string;
  status: string;
  customer: { id: string };
}

const COUNT = 20_000;

const sale = (n: number): Sale => ({
  id: `s${n}`,
  code: `code-${n}`,
  status: n % 2 === 0 ? 'open' : 'paid',
  customer: { id: `c${n % 100}` },
});

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);

// The largest row estimate of any node of a plan PostgreSQL printed as text.
const largestEstimate = (plan: string) =>
  Math.max(...[...plan.matchAll(/rows=(\d+)/g)].map((m) => Number(m[1])));

describe('statistics of declared indexes on PostgreSQL', () => {
  const { url, schema } = testSchema();
  const open = () => {
    const backend = new PostgresBackend({ connectionString: url, schema });
    return { backend, store: new DocumentStore({ backend }) };
  };
  const declare = (store: DocumentStore, indexes: boolean) =>
    store.collection<Sale>('sales', {
      indexes: indexes ? [{ field: 'code' }, { fields: ['status', 'customer.id'] }] : [],
    });

  // The statistics objects of the schema's documents table, by name, with how many
  // expressions ANALYZE gathered statistics for in each.
  const statistics = async (backend: PostgresBackend) => {
    const { rows } = await backend.pool.query<{ name: string; exprs: number }>(
      `SELECT s.stxname AS name,
         (SELECT count(*)::int FROM pg_stats_ext_exprs e
           WHERE e.statistics_schemaname = $1 AND e.statistics_name = s.stxname) AS exprs
       FROM pg_statistic_ext s WHERE s.stxrelid = $2::regclass`,
      [schema, `"${schema}".documents`],
    );
    return rows.sort(byName);
  };

  it('a unique value of an indexed field is estimated at one row, and its statistics go with the index', async () => {
    const { backend, store } = open();
    try {
      const sales = declare(store, true);
      await store.insertMany(
        sales,
        Array.from({ length: COUNT }, (_, n) => sale(n)),
      );
      await backend.pool.query(`ANALYZE "${schema}".documents`);
      // Without statistics on its expression, the partial index's field was priced at
      // 0.5% of the table: 100 rows of 20,000.
      const { plan, indexes } = await store.explain(
        sales,
        { code: 'code-12345' },
        { limit: 1_000 },
      );
      expect(indexes.map((index) => index.fields)).toEqual([['code']]);
      expect(largestEstimate(plan)).toBeLessThanOrEqual(10);
      // One object per index, with statistics for each of its expressions.
      const expected = sales.indexes.map((index) => ({
        name: statisticsName(index.name),
        exprs: index.fields.length,
      }));
      expect(expected.map((x) => x.exprs)).toEqual([1, 2]);
      expect(await statistics(backend)).toEqual(expected.sort(byName));
      // Declared again (a second process starting): nothing new is made.
      const again = open();
      try {
        declare(again.store, true);
        await again.store.ready();
        expect((await statistics(again.backend)).map((s) => s.name)).toEqual(
          (await statistics(backend)).map((s) => s.name),
        );
      } finally {
        await again.store.close();
      }
    } finally {
      await store.close();
    }
    // A store that no longer declares the indexes drops their statistics with them.
    const later = open();
    try {
      declare(later.store, false);
      await later.store.ready();
      expect(await statistics(later.backend)).toEqual([]);
    } finally {
      await later.store.close();
    }
  });

  it('stores starting at once make each statistics object once', async () => {
    const opened = [open(), open(), open()];
    try {
      await Promise.all(
        opened.map(async ({ store }) => {
          store.collection<Sale>('others', { unique: ['code'] });
          await store.ready();
        }),
      );
      const names = (await statistics(opened[0]?.backend as PostgresBackend)).map((s) => s.name);
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^nc_st_[0-9a-f]{16}$/);
    } finally {
      await Promise.all(opened.map(({ store }) => store.close()));
    }
  });

  it('collections indexing the same fields share one statistics object, dropped with the last index', async () => {
    // Each call a store starting with the indexes declared so.
    const declareIn = async (collections: readonly string[], unique: boolean) => {
      const { backend, store } = open();
      try {
        for (const name of ['c1', 'c2', 'c3']) {
          const on = collections.includes(name);
          store.collection<Sale>(name, {
            indexes: on && !unique ? [{ field: 'status' }] : [],
            unique: on && unique ? ['status'] : [],
          });
        }
        await store.ready();
        const names = (await statistics(backend)).map((s) => s.name);
        return names.filter((name) => !others.includes(name));
      } finally {
        await store.close();
      }
    };
    // Other tests' collections keep theirs.
    let others: string[] = [];
    others = await declareIn([], false);
    // Statistics cover the whole table: one object per set of fields, not per index, or
    // ANALYZE gathers the same statistics once for each collection.
    const shared = await declareIn(['c1', 'c2', 'c3'], false);
    expect(shared).toHaveLength(1);
    expect(await declareIn(['c3'], true)).toEqual(shared);
    expect(await declareIn(['c2'], false)).toEqual(shared);
    expect(await declareIn([], false)).toEqual([]);
  });
});
