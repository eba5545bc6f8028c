import { describe, expect, it } from 'vitest';
import type { Write } from '../../src/backends/kit/backend.js';
import { insertChunks, isInsertBatch } from '../../src/backends/kit/insert-batch.js';

const bodyOf = (write: Write) => write.body;

const insert = (id: string, fields: Partial<Write> = {}): Write => ({
  tenant: 't',
  collection: 'c',
  id,
  op: 'put',
  body: JSON.stringify({ id, pad: 'x'.repeat(90) }),
  check: { kind: 'mustNotExist' },
  token: `token-${id}`,
  actor: null,
  ...fields,
});

describe('bulk insert batches', () => {
  it('are puts checked mustNotExist of one tenant and actor, each key once', () => {
    const batch = [insert('a'), insert('b'), insert('a', { collection: 'd' })];
    expect(isInsertBatch(batch)).toBe(true);
    expect(isInsertBatch([insert('a')])).toBe(false);
    expect(isInsertBatch([...batch, insert('b')])).toBe(false);
    expect(isInsertBatch([...batch, insert('e', { check: { kind: 'none' } })])).toBe(false);
    expect(isInsertBatch([...batch, insert('e', { tenant: 'u' })])).toBe(false);
    expect(isInsertBatch([...batch, insert('e', { actor: 'someone' })])).toBe(false);
    expect(isInsertBatch([...batch, insert('e', { parents: [1, 2] })])).toBe(false);
  });

  it('are cut into chunks bounded in rows and in characters, in order, losing none', () => {
    const writes = Array.from({ length: 25 }, (_, i) => insert(`k${String(i).padStart(2, '0')}`));
    const length = writes[0]?.body?.length ?? 0;
    const byRows = insertChunks(writes, 10, Number.MAX_SAFE_INTEGER, bodyOf);
    expect(byRows.map((c) => c.length)).toEqual([10, 10, 5]);
    const byChars = insertChunks(writes, 100, length * 4, bodyOf);
    expect(byChars.map((c) => c.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    for (const chunks of [byRows, byChars]) expect(chunks.flat()).toEqual(writes);
    // A document larger than the bound goes alone, never dropped.
    const huge = insert('huge', { body: 'x'.repeat(length * 10) });
    expect(
      insertChunks([writes[0] as Write, huge, writes[1] as Write], 100, length * 4, bodyOf),
    ).toEqual([[writes[0]], [huge], [writes[1]]]);
  });
});
