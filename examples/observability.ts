// npx tsx examples/observability.ts
// Hooks see every conflict, retry, resolution and give-up; OpenTelemetry metrics are
// recorded too once the application installs an SDK (a no-op until then).
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

const filename = `/tmp/noclobber-observe-${process.pid}.db`;
const log: string[] = [];
const store = new DocumentStore({
  backend: new SqliteBackend({ filename }),
  hooks: {
    onConflict: (e) =>
      log.push(
        `conflict ${e.collection}/${e.id} attempt ${e.attempt}: expected ${e.expected}, found ${e.actual}`,
      ),
    onRetry: (e) => log.push(`retry after ${e.delay.toFixed(1)} ms`),
    onGiveUp: (e) => log.push(`gave up after ${e.attempt} attempts: ${e.error.name}`),
  },
});
const other = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const counters = store.collection<{ id: string; n: number }>('counters');
await store.insert(counters, { id: 'c', n: 0 });

let first = true;
await store.update(counters, 'c', async (doc) => {
  if (first) {
    first = false;
    await other.update(counters, 'c', (d) => {
      d.n += 10;
    });
  }
  doc.n += 1;
});
await store
  .update(
    counters,
    'c',
    async (doc) => {
      await other.update(counters, 'c', (d) => {
        d.n += 10;
      });
      doc.n += 1;
    },
    { retry: { maxAttempts: 2 } },
  )
  .catch(() => {});
console.log(log.join('\n'));
await store.close();
await other.close();
const { rmSync } = await import('node:fs');
for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
