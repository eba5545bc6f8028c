import { describe, expect, it } from 'vitest';
import { Coalesced } from '../../src/core/coalesced.js';

// A read whose result is the number of reads started before it, released by hand.
function reads() {
  let started = 0;
  const pending: (() => void)[] = [];
  const read = () => {
    const n = ++started;
    return new Promise<number>((resolve) => pending.push(() => resolve(n)));
  };
  const release = async () => {
    for (const done of pending.splice(0)) done();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { read, release, started: () => started };
}

describe('Coalesced', () => {
  it('answers callers that arrive during a read with the next one, which starts after it', async () => {
    const coalesced = new Coalesced<string, number>();
    const r = reads();
    const first = coalesced.get('k', r.read);
    // Ten callers arrive while the first read is in flight: they share one later read.
    const later = Array.from({ length: 10 }, () => coalesced.get('k', r.read));
    expect(r.started()).toBe(1);
    await r.release();
    expect(await first).toBe(1);
    expect(r.started()).toBe(2);
    await r.release();
    expect(await Promise.all(later)).toEqual(Array.from({ length: 10 }, () => 2));
  });

  it('keeps keys apart, and starts afresh once a key has nothing in flight', async () => {
    const coalesced = new Coalesced<string, number>();
    const r = reads();
    const a = coalesced.get('a', r.read);
    const b = coalesced.get('b', r.read);
    await r.release();
    expect([await a, await b]).toEqual([1, 2]);
    const again = coalesced.get('a', r.read);
    await r.release();
    expect(await again).toBe(3);
  });

  it('gives a failed read to its callers only: the next read runs for those who came later', async () => {
    const coalesced = new Coalesced<string, number>();
    let calls = 0;
    const failing = () => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('lost')) : Promise.resolve(calls);
    };
    const first = coalesced.get('k', failing);
    const next = coalesced.get('k', failing);
    await expect(first).rejects.toThrow('lost');
    expect(await next).toBe(2);
  });
});

describe('Coalesced gathering the callers of one turn', () => {
  it('sends one read for every caller that arrives before it is sent, and a later one for the rest', async () => {
    const coalesced = new Coalesced<string, number>({ gather: true });
    const r = reads();
    // Callers of one turn of the event loop, as watchers woken by one commit are.
    const together = Array.from({ length: 10 }, () => coalesced.get('k', r.read));
    expect(r.started()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.started()).toBe(1);
    // Once the read is sent, a caller waits for the next, which may see later commits.
    const after = coalesced.get('k', r.read);
    await r.release();
    expect(await Promise.all(together)).toEqual(Array.from({ length: 10 }, () => 1));
    // The next read is sent a turn after the first one ends.
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.started()).toBe(2);
    await r.release();
    expect(await after).toBe(2);
    expect(r.started()).toBe(2);
  });
});
