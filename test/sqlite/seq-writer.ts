// A writer process for seq.test.ts: four clients at once insert, update and delete
// documents of two tenants, then report every write that landed, in the order each
// client saw them land.

import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

const [filename, name, count] = process.argv.slice(2) as [string, string, string];
const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const views = [store.withTenant('alpha'), store.withTenant('beta')];
type Doc = { id: string; n: number };
const landed: { client: number; tenant: string; id: string; seq: number }[] = [];
process.send?.('ready');
await new Promise((resolve) => process.once('message', resolve));
await Promise.all(
  [0, 1, 2, 3].map(async (client) => {
    for (let i = 0; i < Number(count); i++) {
      const tenant = i % 2 === 0 ? 'alpha' : 'beta';
      const view = views[i % 2] as (typeof views)[number];
      const docs = view.collection<Doc>(i % 3 === 0 ? 'a' : 'b');
      const id = `${name}-${client}-${i % 5}`;
      const saved =
        i % 7 === 6
          ? await view.delete(docs, id, { check: 'none' })
          : await view.put(docs, { id, n: i }, { check: 'none' });
      if (saved.written) landed.push({ client, tenant, id, seq: saved.metadata.seq });
    }
  }),
);
await store.close();
process.send?.(landed);
