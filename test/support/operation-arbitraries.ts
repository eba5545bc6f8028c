import fc from 'fast-check';
import { normalizeOperations, type Operations } from '../../src/concurrency/operations.js';
import type { Scalar } from '../../src/index.js';
import { pathsIn, scalar } from './condition-arbitraries.js';

// Numbers at the edges of doubles: overflow, underflow to 0, subnormals, 2^53, and
// decimals whose sum JavaScript rounds (0.1 + 0.2).
const edge = fc.constantFrom(
  0,
  -0,
  0.1,
  0.2,
  -2.5,
  3,
  1e308,
  -1.7976931348623157e308,
  8.98846567431158e307,
  2 ** 53,
  2 ** 53 + 2,
  5e-324,
  -2.2250738585072014e-308,
  1e-200,
  1.5e-160,
  0.5,
  1e21,
  123456789.123,
);
const number = fc.oneof(
  edge,
  scalar.filter((v): v is number => typeof v === 'number'),
);
const key = fc.constantFrom('a', 'b', '0', '1', 'n', '-1', 'x');
const leaf = fc.oneof(scalar, number);
const value = fc.oneof(
  { arbitrary: leaf, weight: 3 },
  fc.array(leaf, { maxLength: 3 }),
  fc.dictionary(key, leaf, { maxKeys: 2 }),
);

/** Documents whose numbers sit at the edges of doubles, beside the shared random ones. */
export const EDGE_DOCUMENTS: Record<string, unknown>[] = [
  { n: 1e308, a: -1e308, b: 5e-324 },
  { n: 0.1, a: 1e-200, b: 2 ** 53 },
  { n: -1.5e-160, a: [1e308, 0.1, 'a', null], b: { a: 1e-200 } },
  { n: 'text', a: [[1], { a: 'x' }, true], b: null },
  { n: [], a: {}, b: [5e-324, -0.5, 3] },
  { n: 8.98846567431158e307, a: 1.7976931348623157e308, b: 0.5 },
];

/**
 * Operations in the caller's syntax over `documents`: one to three operators, each on a
 * path the documents hold (ending anywhere, containers included), one step deeper than
 * such a path (so through scalars, past array ends and into missing objects), or a random
 * one; operands are often the stored values. Overlapping paths are left out.
 */
export function operationsOver(documents: readonly unknown[]): fc.Arbitrary<Operations> {
  const found = new Map<string, Scalar[]>();
  for (const doc of documents) pathsIn(doc, [], found);
  const known = [...found.keys()];
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom(...known), key).map(([p, k]) => `${p}.${k}`), weight: 2 },
    { arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')), weight: 1 },
  );
  const stored = (field: string) => {
    const scalars = found.get(field) ?? [];
    return scalars.length ? fc.oneof(leaf, fc.constantFrom(...scalars)) : leaf;
  };
  const ordered = (field: string) =>
    fc
      .oneof(number, stored(field))
      .filter((v): v is number | string => typeof v === 'number' || typeof v === 'string');
  const each = <T>(one: fc.Arbitrary<T>) =>
    fc.oneof(
      one,
      fc.array(one, { maxLength: 3 }).map(($each) => ({ $each })),
    );
  const pull = (field: string) =>
    fc.oneof(
      stored(field),
      ordered(field).map((v) => ({ $gte: v })),
      fc.record({ $in: fc.array(stored(field), { maxLength: 3 }) }),
      fc.tuple(key, stored(field)).map(([k, v]) => ({ [k]: v })),
    );
  const operation = fc
    .constantFrom('$set', '$unset', '$inc', '$mul', '$min', '$max', '$push', '$pull', '$addToSet')
    .chain((operator) =>
      path.chain((field) => {
        const operand: Record<string, fc.Arbitrary<unknown>> = {
          $set: value,
          $unset: fc.constant(true),
          $inc: number,
          $mul: number,
          $min: ordered(field),
          $max: ordered(field),
          $push: each(value),
          $pull: pull(field),
          $addToSet: each(stored(field)),
        };
        return (operand[operator] as fc.Arbitrary<unknown>).map(
          (v) => [operator, field, v] as const,
        );
      }),
    );
  return fc
    .array(operation, { minLength: 1, maxLength: 3 })
    .map((list) => {
      const operations: Record<string, Record<string, unknown>> = {};
      for (const [operator, field, v] of list) {
        operations[operator] = { ...operations[operator], [field]: v };
      }
      return operations as Operations;
    })
    .filter((operations) => {
      try {
        normalizeOperations(operations);
        return true;
      } catch {
        return false;
      }
    });
}
