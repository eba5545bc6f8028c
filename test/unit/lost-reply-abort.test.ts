import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { LostReply } from '../support/lost-reply.js';

// A write whose reply is lost (it committed) and whose caller's AbortSignal fires while
// the runtime waits to send it again. The write landed; the caller must not be told it
// was aborted (an AbortError reads as "did not happen", so the caller runs it again).
describe('abort after a lost reply', () => {
  it('an abort during the re-send pause still reports a landed write as written (or unknown), never as aborted', async () => {
    const filename = join(mkdtempSync(join(tmpdir(), 'nc-test-')), 'a.db');
    const lossy = new LostReply({ filename });
    const store = new DocumentStore({ backend: lossy });
    const docs = store.collection<{ id: string; n: number }>('docs');
    await store.insert(docs, { id: 'c', n: 0 });

    const controller = new AbortController();
    lossy.armed = true;
    lossy.meanwhile = async () => controller.abort(new Error('caller gave up'));
    let thrown: unknown;
    try {
      await store.update(docs, 'c', (d) => ({ ...d, n: d.n + 1 }), {
        retry: { signal: controller.signal },
      });
    } catch (error) {
      thrown = error;
    }
    const reader = new DocumentStore({ backend: new SqliteBackend({ filename }) });
    const stored = await reader.get(reader.collection<{ id: string; n: number }>('docs'), 'c');
    // The increment committed once.
    expect(stored?.n).toBe(1);
    // So the caller must hear "written" or "unknown", not "aborted".
    if (thrown !== undefined) {
      expect(thrown).toBeInstanceOf(TransientError);
      expect((thrown as TransientError).ambiguous).toBe(true);
    }
    await store.close();
    await reader.close();
  });
});
