import { expect, it } from 'vitest';
import type { Filter, FindOptions } from '../../src/index.js';

interface Order {
  id: string;
  status: 'open' | 'paid';
  total: number;
  note?: string | null;
  customer: { id: number; tier?: string };
  lines: { sku: string; qty: number }[];
}

// Compile-time checks: each line marked @ts-expect-error must fail to type-check.
it('Filter<T> accepts the paths and value types of T and refuses others', () => {
  const good: Filter<Order>[] = [
    { status: 'open', total: { $gte: 10, $lt: 100 } },
    { 'customer.id': 42, 'customer.tier': { $in: ['gold', 'silver'] } },
    { note: null, 'lines.0.sku': 'a', lines: { $exists: true } },
    { $or: [{ status: 'paid' }, { $not: { total: { $gt: 5 } } }] },
    {},
  ];
  const bad: Filter<Order>[] = [
    // @ts-expect-error: no such field
    { totl: 1 },
    // @ts-expect-error: a number field compared with a string
    { total: 'ten' },
    // @ts-expect-error: a range operator on a number field with a string
    { total: { $gt: '5' } },
    // @ts-expect-error: a value outside the field's literal type
    { status: 'closed' },
    // @ts-expect-error: an object field takes only $exists
    { customer: 1 },
    // @ts-expect-error: no such nested field
    { 'customer.name': 'x' },
  ];
  const sorted: FindOptions<Order>[] = [
    { sort: '-total' },
    { sort: ['customer.id', { field: 'total', order: 'desc' }] },
    // @ts-expect-error: no such field to sort on
    { sort: 'nope' },
  ];
  // Untyped collections take any condition.
  const loose: Filter<Record<string, unknown>> = { anything: { $gt: 1 }, 'a.b': 'c' };
  expect([good.length, bad.length, sorted.length, Object.keys(loose).length]).toEqual([5, 6, 3, 2]);
});
