// A writer process for kill.test.ts: saves batches of ten documents until it is killed.

import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

const filename = process.argv[2] as string;
const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const docs = store.collection<{ id: string; n: number; log: string[]; pad: string }>('docs');
const ids = Array.from({ length: 10 }, (_, i) => `d${i}`);
process.send?.('ready');
for (let round = 0; ; round++) {
  const session = store.openSession({ tracking: 'dirty' });
  for (const doc of await session.loadMany(docs, ids)) {
    if (!doc) continue;
    doc.n += 1;
    doc.log.push(`${process.pid}:${round}`);
    doc.pad = 'x'.repeat(2000 + (round % 7) * 500); // bigger pages: more to tear
  }
  try {
    await session.saveChanges();
  } catch (error) {
    // The other writer got there first: load again and go on.
    const code = (error as { code?: string }).code;
    if (code !== 'BATCH_WRITE_FAILED' && code !== 'CONCURRENCY_CONFLICT') throw error;
  }
}
