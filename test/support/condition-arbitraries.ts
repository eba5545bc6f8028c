import fc from 'fast-check';
import type { Condition, Scalar } from '../../src/index.js';

// Documents and conditions draw keys and values from the same small pools, so most
// conditions address paths that exist, and the values they compare with are often the
// stored ones, in the same type or a look-alike of another type.
const COMMON = ['a', 'b', '0', '1'] as const;
const RARE = ['2', 'n', '-1', '01', 'é', '日本', '𝒳', 'k y', '$', '[0]', 'true', 'null'] as const;
const key = fc.oneof(
  { arbitrary: fc.constantFrom(...COMMON), weight: 4 },
  { arbitrary: fc.constantFrom(...RARE), weight: 1 },
);
// Segments no document holds as a key: ones that look like indexes but are none.
const segment = fc.oneof(
  { arbitrary: key, weight: 10 },
  { arbitrary: fc.constantFrom('3', '00', '+1', '1e0', ' 1'), weight: 1 },
);

const number = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, -1, 2, 10), weight: 4 },
  fc.constantFrom(0, 1, -1, 2, 10, 1.5, -2.25, 0.1, 0.3, 1e21, -1e-7, 2 ** 53, 123456789012),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

// Stored text holds neither NUL nor lone surrogates (PostgreSQL's jsonb refuses both), so
// conditions compare with neither.
const string = fc
  .oneof(
    { arbitrary: fc.constantFrom('a', 'b', '1', '10'), weight: 4 },
    fc.constantFrom('', 'a', 'b', 'A', '10', '1', '1.0', '-1', 'true', 'null', '[1]', '{"a":1}'),
    fc.constantFrom('é', 'e\u0301', '\uffff', '\ue000', '😀', '𝒳', 'ß', 'a\tb'),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
  )
  .filter((text) => !text.includes('\u0000') && text.isWellFormed());

/** A JSON scalar from the shared pools: numbers of every kind, look-alike strings, booleans, null. */
export const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  number,
  string,
  fc.boolean(),
  fc.constant(null),
);

const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalar, weight: 2 },
    { arbitrary: fc.array(tie('json'), { minLength: 1, maxLength: 3 }), weight: 1 },
    { arbitrary: fc.dictionary(key, tie('json'), { minKeys: 1, maxKeys: 4 }), weight: 1 },
    fc.constantFrom([], {}),
  ),
}));

/** A stored document: an object of nested objects, arrays and scalars under the shared keys. */
export const document: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(key, json, {
  minKeys: 1,
  maxKeys: 5,
});

// A field name starting with '$' is an operator, so a path cannot start with the key '$'.
const randomPath = fc
  .tuple(
    segment.filter((s) => s !== '$'),
    fc.array(segment, { maxLength: 2 }),
  )
  .map(([first, rest]) => [first, ...rest]);

/** Every path in `value` a condition (or an operation) can name, with the scalars found at its end. */
export function pathsIn(
  value: unknown,
  prefix: string[] = [],
  found = new Map<string, Scalar[]>(),
) {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [String(i), item])
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  for (const [segment, child] of entries) {
    if (segment.includes('.') || (prefix.length === 0 && segment.startsWith('$'))) continue;
    const path = [...prefix, segment];
    const scalars = found.get(path.join('.')) ?? [];
    if (typeof child !== 'object' || child === null) scalars.push(child as Scalar);
    found.set(path.join('.'), scalars);
    pathsIn(child, path, found);
  }
  return found;
}

// The double `steps` units in the last place above `n` (below, when negative), so
// comparisons meet numbers that differ in their last bit only.
function ulps(n: number, steps: number): number {
  const bits = new BigInt64Array(new Float64Array([n]).buffer);
  bits[0] = (bits[0] as bigint) + BigInt(n < 0 ? -steps : steps);
  const next = new Float64Array(bits.buffer)[0] as number;
  return Number.isFinite(next) ? next : n;
}

// A stored path with one numeric segment written as something that only looks like it
// ('-1' for the last item, '01', '+1'): an object key, never an array index.
const lookAlike = (path: string) => {
  const segments = path.split('.');
  const numeric = segments.flatMap((s, i) => (/^[0-9]+$/.test(s) ? [i] : []));
  if (numeric.length === 0) return fc.constant(path);
  return fc
    .tuple(fc.constantFrom(...numeric), fc.constantFrom('-1', '-2', '01', '00', '+1', ' 1', '1e0'))
    .map(([i, swapped]) => segments.map((s, j) => (j === i ? swapped : s)).join('.'));
};

/**
 * Conditions in the caller's syntax over `documents`: field tests under `$and`, `$or` and
 * `$not`, up to three deep. Most paths are ones the documents hold (ending at any value,
 * containers included), some with an index written as a look-alike; the rest are random
 * and mostly address nothing. Values are often the very ones stored at the path.
 */
export function conditionOver(documents: readonly unknown[]): fc.Arbitrary<Condition> {
  const found = new Map<string, Scalar[]>();
  for (const doc of documents) pathsIn(doc, [], found);
  const known = [...found.keys()];
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.constantFrom(...known).chain(lookAlike), weight: 1 },
    { arbitrary: randomPath.map((p) => p.join('.')), weight: 2 },
  );
  const value = (field: string) => {
    const stored = found.get(field) ?? [];
    if (stored.length === 0) return scalar;
    const numbers = stored.filter((v): v is number => typeof v === 'number');
    const near = numbers.length
      ? fc
          .tuple(fc.constantFrom(...numbers), fc.integer({ min: -3, max: 3 }))
          .map(([n, k]) => ulps(n, k))
      : scalar;
    return fc.oneof(scalar, fc.constantFrom(...stored), near);
  };
  const ordered = (field: string) =>
    value(field).filter(
      (v): v is number | string => typeof v === 'number' || typeof v === 'string',
    );
  const fieldTest = path.chain((field) =>
    fc
      .oneof(
        value(field),
        fc.record({ $eq: value(field) }),
        fc.record({ $ne: value(field) }),
        fc.record({ $in: fc.array(value(field), { maxLength: 4 }) }),
        fc.record({ $nin: fc.array(value(field), { maxLength: 4 }) }),
        fc.record({ $exists: fc.boolean() }),
        fc.record(
          { $gt: ordered(field), $gte: ordered(field), $lt: ordered(field), $lte: ordered(field) },
          { requiredKeys: [] },
        ),
      )
      .filter((test) => !(typeof test === 'object' && test !== null && !Object.keys(test).length))
      .map((test) => ({ [field]: test }) as Condition),
  );
  return fc.letrec<{ c: Condition }>((tie) => ({
    c: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      { arbitrary: fieldTest, weight: 6 },
      fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((items) => ({ $and: items })),
      fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((items) => ({ $or: items })),
      tie('c').map((item) => ({ $not: item })),
    ),
  })).c;
}
