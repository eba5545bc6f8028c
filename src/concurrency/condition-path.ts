/**
 * What a condition's field path addresses in a stored document. This is the one
 * definition: the reference evaluator walks documents with it, and each backend's SQL
 * compiler asks `arrayIndexOf` which segments may index an array.
 *
 * A path is a list of segments (the field name split at dots). Each segment steps from
 * the current value to a child:
 *
 * - on an object, the segment is a key, whatever it looks like (`'0'` and `'-1'` are
 *   keys like any other);
 * - on an array, the segment is an index when it is a non-negative integer written in
 *   canonical decimal (`'0'`, `'7'`, `'12'`; at most 9 digits) and the array has that
 *   item; any other segment (`'-1'`, `'01'`, `'+1'`, `'1.0'`, `'x'`) addresses nothing,
 *   so there are no negative indexes and no counting from the end;
 * - on a string, number, boolean or null, every segment addresses nothing.
 *
 * A path that addresses nothing is *missing*, which differs from a stored `null`. There
 * is no implicit walk into arrays: `'lines.sku'` on `{ lines: [{ sku: 'a' }] }` is missing,
 * `'lines.0.sku'` is `'a'`.
 */

/** The value of a path that addresses nothing: distinct from `null` and from every JSON value. */
export const MISSING: unique symbol = Symbol('missing');

// Nine digits bound an index far above any array a stored document can hold, and keep
// every index a 32-bit integer in SQL.
const INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/**
 * The array index a path segment stands for, or `undefined` when the segment can only
 * ever be an object key (see the module comment).
 */
export function arrayIndexOf(segment: string): number | undefined {
  return INDEX.test(segment) ? Number(segment) : undefined;
}

/** The JSON value `path` addresses in `document`, or `MISSING`. */
export function resolvePath(document: unknown, path: readonly string[]): unknown {
  let current: unknown = document;
  for (const segment of path) {
    if (Array.isArray(current)) {
      const index = arrayIndexOf(segment);
      if (index === undefined || index >= current.length) return MISSING;
      current = current[index];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return MISSING;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return MISSING;
    }
    // JSON drops `undefined` fields, so a stored document never holds one.
    if (current === undefined) return MISSING;
  }
  return current;
}
