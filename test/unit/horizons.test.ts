import { expect, it } from 'vitest';
import type { HorizonReading } from '../../src/backends/postgres/horizons.js';
import { Horizons } from '../../src/backends/postgres/horizons.js';

// Horizon statements the test answers by hand, in the order they were sent.
function statements() {
  const calls: ((reading: HorizonReading) => void)[] = [];
  const failures: ((error: Error) => void)[] = [];
  const query = () =>
    new Promise<HorizonReading>((resolve, reject) => {
      calls.push(resolve);
      failures.push(reject);
    });
  return { calls, failures, query };
}

const read = (value: number, ...holders: string[]): HorizonReading => ({
  value: String(value),
  holders,
  run: 'first',
});

// Horizons whose first reading reached `value`, with no writer in flight.
async function reachedAt(value: number) {
  const { calls, query } = statements();
  const horizons = new Horizons(query);
  const first = horizons.get('seq');
  calls[0]?.(read(value));
  expect(await first).toBe(BigInt(value));
  return { calls, horizons };
}

// Lets the horizon's rechecks (a few ms apart) send their next statement.
async function nextCall(calls: unknown[], count: number): Promise<void> {
  for (let i = 0; calls.length < count && i < 200; i++) await new Promise((r) => setTimeout(r, 1));
  expect(calls).toHaveLength(count);
}

it('readers arriving during a reading share the next one, which starts after they arrived', async () => {
  const { calls, query } = statements();
  const horizons = new Horizons(query);
  const first = horizons.get('seq');
  const second = horizons.get('seq');
  const third = horizons.get('seq');
  expect(calls).toHaveLength(1);
  calls[0]?.(read(5));
  expect(await first).toBe(5n);
  // The later two never take the answer of a reading sent before they asked.
  await nextCall(calls, 2);
  calls[1]?.(read(9));
  expect(await second).toBe(9n);
  expect(await third).toBe(9n);
});

it('a value is reached only once none of the writers listed with it holds the gate', async () => {
  const { calls, horizons } = await reachedAt(3);
  const waiting = horizons.get('seq');
  calls[1]?.(read(10, 'a', 'b'));
  // Writer a still holds the gate, a newer writer c too: 10 is not reached yet.
  await nextCall(calls, 3);
  calls[2]?.(read(12, 'a', 'c'));
  await nextCall(calls, 4);
  // a and b are gone: every number up to 10 has settled; 12 waits for c.
  calls[3]?.(read(14, 'c'));
  expect(await waiting).toBe(10n);
  const later = horizons.get('seq');
  await nextCall(calls, 5);
  // c still holds the gate: nothing more is reached.
  calls[4]?.(read(16, 'c', 'd'));
  await nextCall(calls, 6);
  // c is gone: 12 and 14 are reached; 16 still waits for d.
  calls[5]?.(read(17, 'd'));
  await nextCall(calls, 7);
  calls[6]?.(read(18));
  expect(await later).toBe(18n);
});

it('writers that hold the gate past the wait leave the last horizon, which never goes back', async () => {
  const { calls, query } = statements();
  const horizons = new Horizons(query);
  const first = horizons.get('seq');
  calls[0]?.(read(7));
  expect(await first).toBe(7n);
  const stuck = horizons.get('seq');
  const answering = setInterval(() => {
    for (const [i, answer] of calls.entries()) if (i > 0) answer(read(9, 'slow'));
  }, 1);
  const started = Date.now();
  expect(await stuck).toBe(7n);
  clearInterval(answering);
  expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  // The lock table is read again after growing pauses, not every few ms for the whole wait.
  expect(calls.length - 1).toBeLessThanOrEqual(12);
  const sent = calls.length;
  const after = horizons.get('seq');
  await nextCall(calls, sent + 1);
  calls.at(-1)?.(read(9));
  expect(await after).toBe(9n);
});

it('feeds are separate, and a failed reading fails its readers and not the next', async () => {
  const { calls, failures, query } = statements();
  const horizons = new Horizons(query);
  const seq = horizons.get('seq');
  const events = horizons.get('event_position');
  expect(calls).toHaveLength(2);
  const waiting = horizons.get('seq');
  failures[0]?.(new Error('lost'));
  await expect(seq).rejects.toThrow('lost');
  calls[1]?.(read(4));
  expect(await events).toBe(4n);
  await nextCall(calls, 3);
  calls[2]?.(read(11));
  expect(await waiting).toBe(11n);
});

it('after a crash of the server, nothing reached or listed before it counts', async () => {
  const { calls, horizons } = await reachedAt(7);
  const waiting = horizons.get('seq');
  let done = false;
  void waiting.then(() => {
    done = true;
  });
  calls[1]?.(read(9, 'a'));
  // The crash ended writer a; its numbers 8 and 9 go out again, to writer b in flight.
  for (let answered = 2; !done; await new Promise((r) => setTimeout(r, 1))) {
    if (calls.length > answered) calls[answered++]?.({ value: '9', holders: ['b'], run: 'second' });
  }
  expect(await waiting).toBe(0n);
  const sent = calls.length;
  const after = horizons.get('seq');
  await nextCall(calls, sent + 1);
  calls.at(-1)?.({ value: '10', holders: [], run: 'second' });
  expect(await after).toBe(10n);
});
