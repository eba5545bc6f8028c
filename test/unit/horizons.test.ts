import { expect, it } from 'vitest';
import { Horizons } from '../../src/backends/postgres/horizons.js';

// A horizon statement the test answers by hand: each call waits for `answer(value)`.
function statements() {
  const calls: ((value: string | undefined) => void)[] = [];
  const query = () => new Promise<string | undefined>((resolve) => calls.push(resolve));
  return { calls, query };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

it('readers arriving during a query share the next one, which starts after they arrived', async () => {
  const { calls, query } = statements();
  const horizons = new Horizons(query);
  const first = horizons.get('seq');
  const second = horizons.get('seq');
  const third = horizons.get('seq');
  expect(calls).toHaveLength(1);
  calls[0]?.('5');
  expect(await first).toBe(5n);
  await tick();
  // The later two never take the answer of a query sent before they asked.
  expect(calls).toHaveLength(2);
  calls[1]?.('9');
  expect(await second).toBe(9n);
  expect(await third).toBe(9n);
});

it('a query that could not take the gate keeps the last horizon, which never goes back', async () => {
  const { calls, query } = statements();
  const horizons = new Horizons(query);
  const first = horizons.get('seq');
  calls[0]?.('7');
  expect(await first).toBe(7n);
  const timedOut = horizons.get('seq');
  calls[1]?.(undefined);
  expect(await timedOut).toBe(7n);
  const older = horizons.get('seq');
  calls[2]?.('3');
  expect(await older).toBe(7n);
});

it('feeds are separate, and a failed query fails its readers and not the next', async () => {
  const calls: ((v: string) => void)[] = [];
  const failures: ((e: Error) => void)[] = [];
  const horizons = new Horizons(
    () =>
      new Promise<string>((resolve, reject) => {
        calls.push(resolve);
        failures.push(reject);
      }),
  );
  const seq = horizons.get('seq');
  const events = horizons.get('event_position');
  expect(calls).toHaveLength(2);
  const waiting = horizons.get('seq');
  failures[0]?.(new Error('lost'));
  await expect(seq).rejects.toThrow('lost');
  calls[1]?.('4');
  expect(await events).toBe(4n);
  await tick();
  calls[2]?.('11');
  expect(await waiting).toBe(11n);
});
