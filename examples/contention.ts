// npx tsx examples/contention.ts
// 50 writers of one hot document: with contention 'queue' they take turns in this
// process instead of colliding and retrying. Both runs lose nothing.
import { type ContentionMode, DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

let conflicts = 0;
const store = new DocumentStore({
  backend: new SqliteBackend({ filename: ':memory:' }),
  hooks: { onConflict: () => void conflicts++ },
});
const counters = store.collection<{ id: string; n: number }>('counters');

for (const contention of ['none', 'queue'] as ContentionMode[]) {
  conflicts = 0;
  await store.put(counters, { id: contention, n: 0 }, { check: 'none' });
  await Promise.all(
    Array.from({ length: 50 }, () =>
      store.update(
        counters,
        contention,
        async (doc) => {
          await new Promise((resolve) => setTimeout(resolve, 1)); // some work between load and save
          doc.n += 1;
        },
        { contention, retry: { maxAttempts: 1000, initialDelay: 1 } },
      ),
    ),
  );
  const final = await store.get(counters, contention);
  console.log(`contention '${contention}': n = ${final?.n}, conflicts = ${conflicts}`);
}
await store.close();
