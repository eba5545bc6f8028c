import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { testSchema } from '../support/postgres-schema.js';

interface Sale {
  id: string;
  total: number;
  status: string;
}

const COUNT = 2_000;

// Totals in a scrambled order, all distinct, so a range's order is not the ids'.
const sale = (n: number): Sale => ({
  id: `s${String(n).padStart(5, '0')}`,
  total: (n * 7919) % COUNT,
  status: n % 3 === 0 ? 'open' : 'paid',
});

describe('find() statements on PostgreSQL', () => {
  const { url, schema } = testSchema();

  it('keep one plan for a page one index yields in order, and find what a fresh plan finds', async () => {
    // One connection, so the statements the store prepared are the ones listed below.
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const store = new DocumentStore({ backend: new PostgresBackend({ pool, schema }) });
    try {
      const sales = store.collection<Sale>('sales', {
        indexes: [{ field: 'total', type: 'number' }, { field: 'status' }],
      });
      const all = Array.from({ length: COUNT }, (_, n) => sale(n));
      await store.insertMany(sales, all);
      await pool.query(`ANALYZE "${schema}".documents`);
      const page = async (filter: unknown, options: { sort?: ['total']; limit: number }) =>
        (await store.find(sales, filter as Partial<Sale>, options)).documents.map((d) => d.id);
      const statements = async () =>
        (
          await pool.query<{ generic: string; custom: string }>(
            `SELECT generic_plans AS generic, custom_plans AS custom
              FROM pg_prepared_statements WHERE name LIKE 'noclobber\\_find\\_%'`,
          )
        ).rows;
      // More calls than PostgreSQL plans for their own values before it weighs its generic
      // plan (five), with two limits of one shape taking turns.
      for (let i = 0; i < 12; i++) {
        const [status, limit] = [i % 3 ? 'paid' : 'open', i % 2 ? 7 : 20];
        const ids = all.filter((s) => s.status === status).map((s) => s.id);
        expect(await page({ status }, { limit })).toEqual(ids.slice(0, limit));
      }
      const byStatus = await statements();
      // One statement per limit, each run on its generic plan once weighed: with the limit
      // bound, PostgreSQL priced that plan far above a call's own and planned every call.
      expect(byStatus).toHaveLength(2);
      for (const row of byStatus) {
        expect(Number(row.generic) + Number(row.custom)).toBe(6);
        expect(Number(row.generic)).toBeGreaterThan(0);
      }
      for (let i = 0; i < 12; i++) {
        const [min, limit] = [i * 97, i % 2 ? 7 : 20];
        const ids = all
          .filter((s) => s.total >= min && s.total < min + 300)
          .sort((a, b) => a.total - b.total)
          .map((s) => s.id);
        const filter = { total: { $gte: min, $lt: min + 300 } };
        expect(await page(filter, { sort: ['total'], limit })).toEqual(ids.slice(0, limit));
      }
      expect(await statements()).toHaveLength(4);
    } finally {
      await store.close();
      await pool.end().catch(() => {});
    }
  });
});
