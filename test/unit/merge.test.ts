import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Json, mergeAdditive, mergeThreeWay } from '../../src/concurrency/merge.js';
import { InvalidDocumentError } from '../../src/index.js';

// JSON documents: plain objects of scalars, arrays and nested objects. Keys include the
// names naive merges choke on ('prototype', 'toString', 'hasOwnProperty').
const key = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__' && k !== 'constructor'),
  fc.constantFrom('prototype', 'toString', 'hasOwnProperty', 'valueOf'),
);
const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
const { doc, value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('doc'),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
  doc: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));
const document = doc as fc.Arbitrary<Record<string, Json>>;
// fc.jsonValue() would bring __proto__ keys, which merges refuse (tested below).
const json = value as fc.Arbitrary<Json>;

describe('mergeThreeWay', () => {
  it('with no concurrent change, the merge is the attempted document', () => {
    fc.assert(
      fc.property(document, document, (original, attempted) => {
        const result = mergeThreeWay(original, original, attempted);
        expect(result.conflicts).toEqual([]);
        expect(result.merged).toEqual(attempted);
      }),
    );
  });

  it('with no change of ours, the merge is the current document', () => {
    fc.assert(
      fc.property(document, document, (original, current) => {
        expect(mergeThreeWay(original, current, original).merged).toEqual(current);
      }),
    );
  });

  it('disjoint changes are both kept, untouched fields stay', () => {
    fc.assert(
      fc.property(
        document,
        fc.dictionary(key, json, { maxKeys: 4 }),
        fc.dictionary(key, json, { maxKeys: 4 }),
        (original, theirs, oursRaw) => {
          // Our change touches only keys theirs does not.
          const ours = Object.fromEntries(
            Object.entries(oursRaw).filter(([k]) => !Object.hasOwn(theirs, k)),
          );
          const current = { ...original, ...theirs };
          const attempted = { ...original, ...ours };
          const result = mergeThreeWay(original, current, attempted);
          expect(result.failed).toBe(false);
          expect(result.merged).toEqual({ ...original, ...theirs, ...ours });
        },
      ),
    );
  });

  it('is deterministic and never modifies its inputs', () => {
    fc.assert(
      fc.property(document, document, document, (o, c, a) => {
        const before = JSON.stringify([o, c, a]);
        const first = mergeThreeWay(o, c, a, { onConflict: 'ours' });
        const second = mergeThreeWay(o, c, a, { onConflict: 'ours' });
        expect(second).toEqual(first);
        expect(JSON.stringify([o, c, a])).toBe(before);
      }),
    );
  });

  it('reports each path both sides changed differently, at any depth', () => {
    const original = { status: 'new', customer: { name: 'Ann', city: 'Oslo' }, total: 1 };
    const current = { status: 'paid', customer: { name: 'Ann', city: 'Bergen' }, total: 1 };
    const attempted = { status: 'shipped', customer: { name: 'Anna', city: 'Oslo' }, total: 1 };
    const result = mergeThreeWay(original, current, attempted);
    expect(result.failed).toBe(true);
    expect(result.conflicts.map((c) => c.path)).toEqual(['status']);
    expect(result.conflicts[0]).toMatchObject({
      original: 'new',
      current: 'paid',
      attempted: 'shipped',
    });
    expect(mergeThreeWay(original, current, attempted, { onConflict: 'ours' }).merged).toEqual({
      status: 'shipped',
      customer: { name: 'Anna', city: 'Bergen' },
      total: 1,
    });
    expect(
      mergeThreeWay(original, current, attempted, { onConflict: 'theirs' }).merged,
    ).toMatchObject({
      status: 'paid',
    });
    const chosen = mergeThreeWay(original, current, attempted, {
      onConflict: (conflict) => `${String(conflict.current)}+${String(conflict.attempted)}`,
    });
    expect(chosen.merged).toMatchObject({ status: 'paid+shipped' });
  });

  it('merges arrays item by item by identity key, else as whole values', () => {
    const original = {
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
      ],
    };
    const current = {
      lines: [
        { sku: 'a', qty: 5 },
        { sku: 'b', qty: 1 },
        { sku: 'c', qty: 1 },
      ],
    };
    const attempted = {
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
        { sku: 'd', qty: 1 },
      ],
    };
    expect(
      mergeThreeWay(original, current, attempted, { identity: { lines: 'sku' } }).merged,
    ).toEqual({
      lines: [
        { sku: 'a', qty: 5 },
        { sku: 'b', qty: 2 },
        { sku: 'c', qty: 1 },
        { sku: 'd', qty: 1 },
      ],
    });
    const asValues = mergeThreeWay(original, current, attempted);
    expect(asValues.conflicts.map((c) => c.path)).toEqual(['lines']);
    const both = mergeThreeWay(
      original,
      { lines: [{ sku: 'b', qty: 3 }] },
      { lines: [{ sku: 'b', qty: 4 }] },
      { identity: 'sku' },
    );
    expect(both.conflicts.map((c) => c.path)).toEqual(['lines[sku="b"].qty']);
  });

  it('hostile keys never pollute: __proto__ and constructor are refused, others stay data', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, Json>;
    expect(() => mergeThreeWay({}, {}, hostile)).toThrow(InvalidDocumentError);
    expect(() => mergeThreeWay({}, { a: { constructor: { prototype: 1 } } }, {})).toThrow(
      InvalidDocumentError,
    );
    const result = mergeThreeWay<Record<string, Json>>(
      {},
      { prototype: { x: 1 } },
      { toString: 'mine' },
    );
    expect(result.merged).toEqual({ prototype: { x: 1 }, toString: 'mine' });
    expect(Object.getPrototypeOf(result.merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() =>
      mergeThreeWay(
        { a: 1 },
        { a: 2 },
        { a: 3 },
        {
          onConflict: () => JSON.parse('{"__proto__": 1}') as Json,
        },
      ),
    ).toThrow(InvalidDocumentError);
  });
});

describe('mergeAdditive', () => {
  it('unions arrays, keeps what current holds and takes attempted scalars', () => {
    const current = { tags: ['a', 'b'], items: [{ id: 1, qty: 1 }], note: 'x', kept: true };
    const attempted = {
      tags: ['b', 'c'],
      items: [
        { id: 1, qty: 3 },
        { id: 2, qty: 1 },
      ],
      note: 'y',
    };
    expect(mergeAdditive(current, attempted, 'id')).toEqual({
      tags: ['a', 'b', 'c'],
      items: [
        { id: 1, qty: 3 },
        { id: 2, qty: 1 },
      ],
      note: 'y',
      kept: true,
    });
  });

  it('everything in either side is in the result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 10 }),
        fc.array(fc.integer(), { maxLength: 10 }),
        (c, a) => {
          const merged = mergeAdditive({ set: c }, { set: a });
          for (const item of [...c, ...a]) expect(merged.set).toContain(item);
        },
      ),
    );
  });
});
