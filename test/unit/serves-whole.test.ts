import { describe, expect, it } from 'vitest';
import { servesWhole } from '../../src/backends/kit/indexes.js';
import { normalizeIndexes } from '../../src/query/indexes.js';
import { prepareQuery, type QueryOptions } from '../../src/query/query.js';

const indexes = normalizeIndexes(
  'docs',
  [
    { field: 'code' },
    { field: 'total', type: 'number' },
    { fields: ['status', { field: 'placed', type: 'number' }] },
  ],
  ['email'],
);

const serves = (filter: unknown, options?: QueryOptions) => {
  const { query } = prepareQuery('docs', filter, options);
  return servesWhole(indexes, query.filter, query.sort);
};

describe('servesWhole: one index yields the page in order whatever the values', () => {
  it('holds for equalities on leading fields, then a range on the next, in the index order', () => {
    expect(serves({})).toBe(true);
    expect(serves({ code: 'C-1' })).toBe(true);
    expect(serves({ code: 'C-1' }, { sort: ['code'] })).toBe(true);
    expect(serves({ total: { $gte: 1, $lt: 5 } }, { sort: ['total'] })).toBe(true);
    expect(serves({ total: 3 }, { sort: ['-total'] })).toBe(true);
    expect(serves({ status: 'open', placed: { $gt: 10 } }, { sort: ['placed'] })).toBe(true);
    expect(serves({ status: 'open', placed: 10 })).toBe(true);
    // A unique index: one document at most, in whatever order.
    expect(serves({ email: 'a@b' }, { sort: ['total'] })).toBe(true);
  });

  it('fails where the plan may depend on the values', () => {
    // Without the index's order, the rows of the range are sorted, or the table read by id.
    expect(serves({ total: { $gte: 1, $lt: 5 } })).toBe(false);
    expect(serves({ total: { $gte: 1 } }, { sort: ['-total'] })).toBe(false);
    expect(serves({ total: { $gte: 1 } }, { sort: ['total', 'code'] })).toBe(false);
    expect(serves({}, { sort: ['total'] })).toBe(false);
    // A test no index holds, or of another type than the index's.
    expect(serves({ code: 'C-1', note: 'x' })).toBe(false);
    expect(serves({ total: 'three' })).toBe(false);
    expect(serves({ code: 'C-1', total: { $gt: 2 } }, { sort: ['total'] })).toBe(false);
    // A field of the index left between the tests and the id.
    expect(serves({ status: 'open' })).toBe(false);
    expect(serves({ placed: { $gt: 1 } }, { sort: ['placed'] })).toBe(false);
    // Kinds of test the index does not yield in order.
    expect(serves({ code: { $in: ['a', 'b'] } })).toBe(false);
    expect(serves({ code: { $ne: 'a' } })).toBe(false);
    expect(serves({ $or: [{ code: 'a' }, { code: 'b' }] })).toBe(false);
    expect(serves({ email: 'a@b', total: { $gt: 1 } })).toBe(false);
  });
});
