import { describe, expect, it } from 'vitest';
import { applyOperations } from '../../src/concurrency/apply-operations.js';
import { normalizeOperations } from '../../src/concurrency/operations.js';
import {
  InvalidConditionError,
  InvalidOperationsError,
  type Operations,
  OperationTypeError,
} from '../../src/index.js';

const apply = (doc: Record<string, unknown>, ops: Operations) =>
  applyOperations(doc, normalizeOperations(ops, ['id']));

describe('normalizeOperations', () => {
  it.each([
    ['an unknown operator', { $rename: { a: 'b' } }],
    ['no operation', {}],
    ['a path with an empty segment', { $set: { 'a..b': 1 } }],
    ['a path starting with $', { $set: { $x: 1 } }],
    ['NaN', { $inc: { a: Number.NaN } }],
    ['Infinity', { $mul: { a: Number.POSITIVE_INFINITY } }],
    ['a string to $inc', { $inc: { a: '1' } }],
    ['a boolean to $min', { $min: { a: true } }],
    ['overlapping paths', { $set: { a: 1 }, $inc: { 'a.b': 1 } }],
    ['the same path twice', { $set: { a: 1 }, $unset: { a: true } }],
    ['the id field', { $set: { id: 'x' } }],
    ['a path inside the id field', { $unset: { 'id.x': true } }],
    ['a modifier other than $each', { $push: { a: { $each: [1], $slice: 2 } } }],
    ['an object to $addToSet', { $addToSet: { a: { b: 1 } } }],
    ['a lone surrogate', { $set: { a: '\ud800' } }],
    ['a class instance', { $set: { a: new Date() } }],
    ['a path of more than 16 segments', { $inc: { [Array(17).fill('a').join('.')]: 1 } }],
    [
      'more than 512 path segments in one call',
      {
        $inc: Object.fromEntries(
          Array.from({ length: 40 }, (_, i) => [`${Array(15).fill('a').join('.')}.f${i}`, 1]),
        ),
      },
    ],
    ['a lone surrogate in a path', { $set: { '\ud800': 1 } }],
    [
      'more than 256 values to $push',
      { $push: { a: { $each: Array.from({ length: 257 }, (_, i) => i) } } },
    ],
    // A SQLite statement refused 1,000 as too deep; 256 × 200 took minutes to compile.
    [
      'more $addToSet values than the budget',
      { $addToSet: { a: { $each: Array.from({ length: 257 }, (_, i) => i) } } },
    ],
    [
      'operations and $addToSet values together over the budget',
      {
        $addToSet: Object.fromEntries(
          Array.from({ length: 10 }, (_, i) => [
            `f${i}`,
            { $each: Array.from({ length: 30 }, (_, j) => j) },
          ]),
        ),
      },
    ],
  ])('refuses %s', (_, ops) => {
    expect(() => normalizeOperations(ops, ['id'])).toThrow(InvalidOperationsError);
  });

  it('refuses a $pull condition that cannot be compiled as a condition', () => {
    expect(() => normalizeOperations({ $pull: { a: { $gte: 1, b: 2 } } })).toThrow(
      InvalidConditionError,
    );
  });

  it('keeps distinct $addToSet values once, in order', () => {
    expect(normalizeOperations({ $addToSet: { a: { $each: [1, 'a', 1, null, 'a'] } } })).toEqual([
      { op: 'addToSet', path: ['a'], values: [1, 'a', null] },
    ]);
  });
});

describe('applyOperations', () => {
  const doc = {
    id: 'd',
    stock: 10,
    tags: ['a', 'b', 'a'],
    lines: [
      { sku: 'x', qty: 1 },
      { sku: 'y', qty: 2 },
    ],
    name: 'n',
  };

  it('applies each operator as documented', () => {
    expect(
      apply(doc, {
        $inc: { stock: -3, 'lines.1.qty': 5, fresh: 2 },
        $push: { log: { $each: ['sold', 'again'] } },
        $pull: { tags: 'a' },
        $set: { 'a.b.c': 1 },
        $unset: { name: true },
      }),
    ).toEqual({
      id: 'd',
      stock: 7,
      tags: ['b'],
      lines: [
        { sku: 'x', qty: 1 },
        { sku: 'y', qty: 7 },
      ],
      fresh: 2,
      log: ['sold', 'again'],
      a: { b: { c: 1 } },
    });
    expect(doc.stock).toBe(10);
  });

  it('pulls by a condition on each item, or on the item itself', () => {
    expect(apply(doc, { $pull: { lines: { sku: 'x' } } }).lines).toEqual([{ sku: 'y', qty: 2 }]);
    expect(apply({ n: [1, 5, 'x', 9] }, { $pull: { n: { $gte: 5 } } })).toEqual({ n: [1, 'x'] });
  });

  it('compares $min and $max within one type and adds to sets by JSON type and value', () => {
    const d = { n: 5, s: 'b', set: [1, '1', null] };
    expect(
      apply(d, { $min: { n: 3, s: 'a' }, $addToSet: { set: { $each: [1, true, '1', 2] } } }),
    ).toEqual({
      n: 3,
      s: 'a',
      set: [1, '1', null, true, 2],
    });
    expect(apply(d, { $max: { n: 3, s: 'c' }, $mul: { m: 4 } })).toEqual({ ...d, s: 'c', m: 0 });
  });

  it('computes as doubles do, and refuses a result beyond their range', () => {
    expect(apply({ n: 0.1 }, { $inc: { n: 0.2 } })).toEqual({ n: 0.30000000000000004 });
    expect(apply({ n: 1e-200 }, { $mul: { n: 1e-200 } })).toEqual({ n: 0 });
    expect(() => apply({ n: 1e308 }, { $inc: { n: 1e308 } })).toThrow(OperationTypeError);
  });

  it('nulls an unset array item and ignores missing paths for $unset and $pull', () => {
    expect(
      apply(
        { a: [1, 2, 3] },
        { $unset: { 'a.1': true, 'b.c': true, 'a.-1': true }, $pull: { x: 1 } },
      ),
    ).toEqual({
      a: [1, null, 3],
    });
  });

  it.each<[Record<string, unknown>, Operations]>([
    [{ n: 'text' }, { $inc: { n: 1 } }],
    [{ n: null }, { $mul: { n: 2 } }],
    [{ n: 5 }, { $push: { n: 1 } }],
    [{ n: { a: 1 } }, { $pull: { n: 1 } }],
    [{ n: 'b' }, { $min: { n: 1 } }],
    [{ n: 5 }, { $set: { 'n.a': 1 } }],
    [{ n: [1] }, { $set: { 'n.1': 1 } }],
    [{ n: [1] }, { $set: { 'n.x': 1 } }],
    [{ n: null }, { $set: { 'n.a.b': 1 } }],
  ])('refuses an operation that does not fit: %j with %j', (d, ops) => {
    const error = (() => {
      try {
        apply(d, ops);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OperationTypeError);
    expect((error as OperationTypeError).code).toBe('OPERATION_TYPE_MISMATCH');
  });
});

describe('Operations<T>', () => {
  it('checks the top-level fields of a document type where TypeScript can', () => {
    interface P {
      id: string;
      stock: number;
      name: string;
      tags: string[];
      n?: number;
    }
    const typed: Operations<P>[] = [
      { $inc: { stock: 1, n: 2, 'a.b': 3 }, $push: { tags: 'x' }, $set: { name: 'x' } },
      // @ts-expect-error $inc on a string field
      { $inc: { name: 1 } },
      // @ts-expect-error $push on a number field
      { $push: { stock: 1 } },
      // @ts-expect-error a string to $inc
      { $inc: { stock: 'x' } },
    ];
    const loose: Operations = { $inc: { anything: 1 }, $set: { x: [1, { a: null }] } };
    expect(typed.length + Object.keys(loose).length).toBe(6);
  });
});
