import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { AlreadyLandedError, type Backend, type Write } from '../../src/backends/kit/backend.js';
import { newToken } from '../../src/core/token.js';
import { DocumentStore } from '../../src/index.js';
import { WriteLogPruner } from '../../src/store/write-log-pruner.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

// A raw write as the store plans it, for driving a backend directly.
const write = (id: string, check: Write['check'], op: Write['op'] = 'put'): Write => ({
  tenant: 'default',
  collection: 'orders',
  id,
  op,
  ...(op === 'put' ? { body: JSON.stringify({ id, n: 1 }) } : {}),
  check,
  token: newToken(),
  actor: null,
});

describeConformance('the write log', (fixture) => {
  const opened: Backend[] = [];
  const backend = async () => {
    const b = openBackend(fixture().config);
    opened.push(b);
    await b.migrate();
    return b;
  };
  const closeAll = () => Promise.all(opened.splice(0).map((b) => b.close()));

  it('a token commits once: sent again, even with a check that passes again, nothing is written', async () => {
    const b = await backend();
    try {
      const first = write('a', { kind: 'none' });
      const [landed] = await b.commit([first]);
      expect(landed?.status).toBe('ok');
      // The same write again (a re-send after a lost reply): refused whole.
      await expect(b.commit([first])).rejects.toBeInstanceOf(AlreadyLandedError);
      const again = { ...first, check: { kind: 'mustExist' } as const };
      await expect(b.commit([again, write('b', { kind: 'none' })])).rejects.toBeInstanceOf(
        AlreadyLandedError,
      );
      const stored = await b.peek('default', 'orders', ['a', 'b']);
      expect(stored.get('a')?.revision).toBe(1);
      expect(stored.has('b')).toBe(false);
    } finally {
      await closeAll();
    }
  });

  it('records every committed write, deletes too, and still answers after the document moved on', async () => {
    const b = await backend();
    try {
      const put = write('a', { kind: 'mustNotExist' });
      const del = write('a', { kind: 'mustExist' }, 'delete');
      const reinsert = write('a', { kind: 'mustNotExist' });
      for (const w of [put, del, reinsert]) expect((await b.commit([w]))[0]?.status).toBe('ok');
      const missed = write('a', { kind: 'mustNotExist' });
      expect((await b.commit([missed]))[0]?.status).toBe('duplicate');
      const records = await b.landed('default', [
        put.token,
        del.token,
        reinsert.token,
        missed.token,
      ]);
      expect(records.get(put.token)).toMatchObject({ collection: 'orders', id: 'a', revision: 1 });
      expect(records.get(del.token)).toMatchObject({ id: 'a', revision: 2 });
      expect(records.get(reinsert.token)).toMatchObject({ id: 'a', revision: 3 });
      expect(records.has(missed.token)).toBe(false);
      expect(Number(records.get(del.token)?.seq)).toBeGreaterThan(
        Number(records.get(put.token)?.seq),
      );
      // Another tenant asking for the same tokens learns nothing.
      expect((await b.landed('other', [put.token])).size).toBe(0);
    } finally {
      await closeAll();
    }
  });

  it('records an append with its version and first position; a re-sent append is refused', async () => {
    const b = await backend();
    try {
      const append = {
        tenant: 'default',
        streamId: 's',
        events: [{ id: randomUUID(), type: 'Opened', data: '{}', metadata: null }],
        expected: { kind: 'any' } as const,
        token: newToken(),
      };
      const outcome = await b.appendToStream(append);
      expect(outcome.status).toBe('ok');
      await expect(b.appendToStream(append)).rejects.toBeInstanceOf(AlreadyLandedError);
      const events = await b.readStream('default', 's', {
        from: 1,
        to: 100,
        direction: 'forward',
        limit: 100,
      });
      expect(events).toHaveLength(1);
      const record = (await b.landed('default', [append.token])).get(append.token);
      expect(record).toMatchObject({ collection: null, id: 's', revision: 1 });
      expect(record?.seq).toBe(events[0]?.position);
    } finally {
      await closeAll();
    }
  });

  it('prunes records older than the retention, and only those', async () => {
    const b = await backend();
    try {
      const old = write('a', { kind: 'none' });
      await b.commit([old]);
      const pruner = new WriteLogPruner({ keep: 600_000 });
      // Nothing is ten minutes old yet.
      expect(await pruner.prune(b)).toBe(0);
      expect((await b.landed('default', [old.token])).size).toBe(1);
      // Seen from twenty minutes ahead, the record is past its time.
      expect(await pruner.prune(b, Date.now() + 1_200_000)).toBe(1);
      expect((await b.landed('default', [old.token])).size).toBe(0);
      // The document itself is untouched.
      expect((await b.read('default', 'orders', ['a'])).has('a')).toBe(true);
    } finally {
      await closeAll();
    }
  });

  it('a store refuses a write log option that is not a duration', async () => {
    const b = openBackend(fixture().config);
    try {
      for (const writeLog of [
        { keep: 0 },
        { keep: 60_000 },
        { pruneEvery: 1.5 },
        { keep: 'day' },
      ]) {
        expect(() => new DocumentStore({ backend: b, writeLog: writeLog as never })).toThrow(
          /writeLog/,
        );
      }
    } finally {
      await b.close();
    }
  });
});
