import { expect, it } from 'vitest';
import { describeConformance } from './fixture.js';

describeConformance('close()', (fixture) => {
  it('waits for the writes in flight: each still learns its outcome', async () => {
    const store = fixture().openStore();
    const docs = store.collection<{ id: string; n: number }>('docs');
    await store.get(docs, 'warm');
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      store.put(docs, { id: `d${i}`, n: i }, { check: 'none' }).then(
        () => 'written',
        (error: unknown) => `failed: ${String(error)}`,
      ),
    );
    await store.close();
    const settled = await Promise.race([
      Promise.all(inFlight),
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 5000)),
    ]);
    expect(settled).toEqual(Array(8).fill('written'));
    const reader = fixture().openStore();
    const rdocs = reader.collection<{ id: string; n: number }>('docs');
    expect(await reader.get(rdocs, 'd0')).toMatchObject({ n: 0 });
    expect(await reader.get(rdocs, 'd7')).toMatchObject({ n: 7 });
  });
});
