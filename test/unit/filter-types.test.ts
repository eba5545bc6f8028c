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

// A Date is stored as its ISO 8601 string (in a collection whose schema revives dates), so
// a filter compares the field with strings, and a Date itself is no JSON scalar to compare.
it('Filter<T> compares a Date field as the ISO string it is stored as', () => {
  interface Event {
    id: string;
    at: Date;
    until?: Date | null;
  }
  const since = new Date('2025-03-01T10:00:00.000Z');
  const good: Filter<Event>[] = [
    { at: { $gte: since.toISOString(), $lt: '2026' } },
    { at: since.toISOString(), until: null },
    { until: { $in: [since.toISOString(), null] } },
    { at: { $exists: true } },
  ];
  const bad: Filter<Event>[] = [
    // @ts-expect-error: a Date is not compared as itself; its ISO string is
    { at: since },
    // @ts-expect-error: a Date field holds no numbers
    { at: { $gt: 5 } },
  ];
  expect([good.length, bad.length]).toEqual([4, 2]);
});
