import { describe, expect, it } from 'vitest';
import { ConflictRates, KeyedQueue } from '../../src/concurrency/contention.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedQueue', () => {
  it('runs tasks of one key one at a time in arrival order, other keys beside them', async () => {
    const queue = new KeyedQueue<string>();
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const task = (key: string, name: string) =>
      queue.run(key, async () => {
        running++;
        most = Math.max(most, running);
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        running--;
      });
    await Promise.all([task('a', 'a1'), task('a', 'a2'), task('a', 'a3'), task('b', 'b1')]);
    const a = events.filter((e) => e.endsWith('a1') || e.endsWith('a2') || e.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(most).toBe(2); // b ran beside a
    expect(queue.size).toBe(0);
  });

  it('hands state to the next task of the key only, once; a failed task does not block the queue', async () => {
    const queue = new KeyedQueue<number>();
    const seen: (number | undefined)[] = [];
    const results = await Promise.allSettled([
      queue.run('k', async (h) => {
        seen.push(h.take());
        h.give(1);
      }),
      queue.run('k', async (h) => {
        seen.push(h.take());
        throw new Error('boom');
      }),
      queue.run('k', async (h) => {
        seen.push(h.take());
        h.give(3);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen).toEqual([undefined, 1, undefined]);
    // Nobody waiting: the last state is dropped with the key.
    expect(await queue.run('k', async (h) => h.take())).toBeUndefined();
  });
});

describe('ConflictRates', () => {
  it('a burst of conflicts makes a key hot until coolDown ms after the last one', () => {
    let now = 0;
    const rates = new ConflictRates({ weight: 0.5, threshold: 0.3, coolDown: 100, now: () => now });
    expect(rates.isHot('k')).toBe(false);
    rates.record('k', true);
    expect(rates.isHot('k')).toBe(true);
    // Writes that land while coordinated do not cool it…
    rates.record('k', false);
    rates.record('k', false);
    now = 99;
    expect(rates.isHot('k')).toBe(true);
    // …time does.
    now = 100;
    expect(rates.isHot('k')).toBe(false);
    expect(rates.isHot('other')).toBe(false);
  });

  it('a lone conflict does not make a key hot; a run of them does', () => {
    const rates = new ConflictRates({ weight: 0.2, threshold: 0.3 });
    rates.record('k', true);
    expect(rates.isHot('k')).toBe(false);
    rates.record('k', true);
    expect(rates.isHot('k')).toBe(true);
  });

  it('keeps at most maxKeys keys', () => {
    const rates = new ConflictRates({ weight: 1, maxKeys: 2 });
    rates.record('a', true);
    rates.record('b', true);
    rates.record('c', true);
    expect(['a', 'b', 'c'].map((k) => rates.isHot(k))).toEqual([false, true, true]);
  });
});
