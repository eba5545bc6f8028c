import { expect, it } from 'vitest';
import { describeConformance } from './fixture.js';

interface Big {
  id: string;
  a: number[];
  tags: string[];
}

// Each item of a large array is read once: a $pull or $addToSet that read every item by
// its index, or every item once per value, took minutes on arrays of this size.
const ITEMS = 40_000;

describeConformance('apply on large arrays', (fixture) => {
  it('$pull and $addToSet of 254 values on arrays of 40,000 items, in one call', async () => {
    const { store } = fixture();
    const big = store.collection<Big>('big');
    const a = Array.from({ length: ITEMS }, (_, i) => i);
    await store.insert(big, { id: 'b', a, tags: a.map((i) => `t${i}`) });
    // Every other value is there already; the new ones are appended in the order given.
    const values = Array.from({ length: 254 }, (_, i) => `t${i % 2 === 0 ? i : ITEMS + i}`);
    const applied = await store.apply(big, 'b', {
      $pull: { a: { $gte: ITEMS / 2 } },
      $addToSet: { tags: { $each: values } },
    });
    const stored = await store.get(big, 'b');
    expect(stored).toEqual(applied.document);
    expect(stored?.a).toEqual(a.slice(0, ITEMS / 2));
    expect(stored?.tags).toHaveLength(ITEMS + 127);
    expect(stored?.tags.slice(ITEMS)).toEqual(values.filter((_, i) => i % 2 === 1));

    const pulled = await store.apply(big, 'b', { $pull: { tags: 't7' }, $push: { a: -1 } });
    expect(pulled.document?.tags).toHaveLength(ITEMS + 126);
    expect(pulled.document?.tags).not.toContain('t7');
    expect(pulled.document?.a.at(-1)).toBe(-1);
  });
});
