import { describe, expect, it } from 'vitest';
import { DocumentStore, TransientError } from '../../src/index.js';
import { checkHistory, History } from '../../src/testing/index.js';
import { LostReply } from '../support/lost-reply.js';

describe('ambiguous commits', () => {
  it('update() settles a lost reply by the write log, even after its write was overwritten', async () => {
    const backend = new LostReply();
    const store = new DocumentStore({ backend });
    const counters = store.collection<{ id: string; log: string[] }>('counters');
    await store.insert(counters, { id: 'c', log: [] });
    backend.armed = true;
    backend.meanwhile = () =>
      store.update(counters, 'c', (d) => {
        d.log.push('other');
      });
    const saved = await store.update(counters, 'c', (d) => {
      d.log.push('mine');
    });
    // The write log says the lost write landed: a success, applied exactly once.
    expect(saved.log).toEqual(['mine']);
    expect((await store.get(counters, 'c'))?.log).toEqual(['mine', 'other']);
    await store.close();
  });

  it('handle() finds its landed events by id instead of deciding again', async () => {
    const backend = new LostReply();
    const store = new DocumentStore({ backend });
    await store.events.appendToStream('s', [{ type: 'Opened', data: {} }]);
    backend.armed = true;
    const result = await store.events.handle(
      's',
      { initialState: 0, evolve: (n: number) => n + 1 },
      () => ({
        type: 'ItemAdded',
        data: {},
      }),
    );
    expect(result).toMatchObject({ version: 2, attempts: 1 });
    expect((await store.events.readStream('s')).map((e) => e.type)).toEqual([
      'Opened',
      'ItemAdded',
    ]);
    await store.close();
  });

  it('an append whose reply was lost is settled by its reads, which may fail too, never reported refused', async () => {
    // The server restarting: the append committed, its reply was lost, and the reads that
    // settle it fail as well before the server is back.
    class Restarting extends LostReply {
      failingReads = 0;
      override async readStream(...args: Parameters<LostReply['readStream']>) {
        if (this.failingReads > 0) {
          this.failingReads--;
          throw new TransientError('the server is restarting', { ambiguous: false });
        }
        return super.readStream(...args);
      }
    }
    const backend = new Restarting();
    const store = new DocumentStore({ backend });
    await store.events.appendToStream('s', [{ type: 'Opened', data: {} }]);
    backend.armed = true;
    backend.meanwhile = async () => {
      backend.failingReads = 2;
    };
    const appended = await store.events.appendToStream('s', [{ type: 'Shipped', data: {} }]);
    expect(appended.version).toBe(2);
    // Failing longer than the store tries: the outcome is unknown, never "not written".
    backend.armed = true;
    backend.meanwhile = async () => {
      backend.failingReads = 100;
    };
    const error = await store.events
      .appendToStream('s', [{ type: 'Closed', data: {} }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).ambiguous).toBe(true);
    backend.failingReads = 0;
    expect((await store.events.readStream('s')).map((e) => e.type)).toEqual([
      'Opened',
      'Shipped',
      'Closed',
    ]);
    await store.close();
  });
});

describe('checkHistory', () => {
  it('checks histories of hundreds of thousands of writes of one key', () => {
    const history = new History<string>();
    for (let r = 1; r <= 250_000; r++)
      history.invoke('p', 'k', `t${r}`, r - 1).ok({ revision: r, base: r - 1 });
    const result = checkHistory(history, new Map([['k', { revision: 250_000, state: 250_000 }]]), {
      apply: (n: number | undefined) => (n ?? 0) + 1,
    });
    expect(result.valid).toBe(true);
  });
});
