import { expect, it } from 'vitest';
import type { FindOptions } from '../../src/index.js';
import { walkPages } from '../support/walk-pages.js';
import { describeConformance } from './fixture.js';

interface Row {
  id: string;
  n: number;
}

const COUNT = 400;

// Each page after a cursor must start reading where the cursor is in the index that orders
// the page: read from the index's start, a walk through N documents cost O(N²), a page
// 2,000 deep taking hundreds of milliseconds.
describeConformance('pages after a cursor', (fixture) => {
  it('read the ordering index from the cursor on, and walk every match once in order', async () => {
    const { store } = fixture();
    const rows = store.collection<Row>('rows', { indexes: [{ field: 'n', type: 'number' }] });
    await store.insertMany(
      rows,
      Array.from({ length: COUNT }, (_, i) => ({ id: `r${i}`, n: (i * 7) % COUNT })),
    );
    const filter = { n: { $lt: 350 } };
    for (const sort of ['n', '-n'] as const) {
      const options: FindOptions<Row> = { sort, limit: 25 };
      const seen = (await walkPages(store, rows, filter, options)).map((row) => row.n);
      const want = Array.from({ length: 350 }, (_, n) => n);
      expect(seen).toEqual(sort === 'n' ? want : want.reverse());
    }
    // The page after n = 24: the index is read from 24, as far as the filter's 350.
    const first = await store.find(rows, filter, { sort: 'n', limit: 25 });
    const { plan } = await store.explain(rows, filter, {
      sort: 'n',
      limit: 25,
      after: first.next ?? undefined,
    });
    if (fixture().backend.name === 'sqlite') {
      expect(plan).toMatch(/USING INDEX \S+ \(tenant=\? AND <expr>>\? AND <expr><\?\)/);
    } else {
      const cond = plan.split('\n').find((line) => line.includes('Index Cond')) ?? '';
      expect(cond, plan).toContain(">= '24'");
      expect(cond, plan).toContain("< '350'");
    }
  });
});
