import type { NormalizedCondition, Scalar } from './condition.js';
import { MISSING, resolvePath } from './condition-path.js';

/**
 * The meaning of a condition, once: whether `condition` holds on `document` (a stored
 * document as JSON parses it). Every backend compiles conditions to SQL that must agree
 * with this function on every document; the conformance suite checks that they do.
 *
 * Paths address values as `resolvePath` says (a numeric segment indexes an array and is
 * a key on an object; no negative indexes). Then, with `v` the addressed value:
 *
 * - `$eq: x` (and a bare scalar) holds when `v` exists, has the JSON type of `x` and the
 *   same value: numbers by numeric value (`1` equals `1.0`), strings code point by code
 *   point, `true`/`false` only booleans, `null` only a stored `null`. A missing field, an
 *   object or an array never equals a scalar (`{ n: 1 }` does not match `n: '1'`, `n: true`,
 *   `n: [1]` or `n: { … }`).
 * - `$ne: x` is exactly `NOT $eq: x`: it holds on a missing field and on any other type.
 * - `$in: [a, b]` holds when `$eq` holds for one of the values (never for `[]`);
 *   `$nin` is exactly its negation (so it holds on a missing field, and always for `[]`).
 * - `$gt`, `$gte`, `$lt`, `$lte` hold only when `v` has the operand's type: number with
 *   number by numeric value, string with string by Unicode code point order (the binary
 *   order of UTF-8). Any other pairing (missing, `null`, boolean, object, array, a number
 *   against a string operand) is false, and so is its `$not`-free opposite: neither
 *   `{ $lt: 5 }` nor `{ $gte: 5 }` holds on `'7'`.
 * - `$exists: true` holds when the path addresses a value (`null` included);
 *   `$exists: false` when it is missing.
 * - `$and`, `$or`, `$not` are the boolean connectives; tests side by side in one object
 *   must all hold. There is no third "unknown" value: every test is true or false.
 */
export function evaluateCondition(condition: NormalizedCondition, document: unknown): boolean {
  switch (condition.op) {
    case 'and':
      return condition.items.every((item) => evaluateCondition(item, document));
    case 'or':
      return condition.items.some((item) => evaluateCondition(item, document));
    case 'not':
      return !evaluateCondition(condition.item, document);
    case 'exists':
      return (resolvePath(document, condition.path) !== MISSING) === condition.value;
    case 'eq':
    case 'ne':
      return (
        equalsScalar(resolvePath(document, condition.path), condition.value) ===
        (condition.op === 'eq')
      );
    case 'in':
    case 'nin': {
      const value = resolvePath(document, condition.path);
      const found = condition.values.some((candidate) => equalsScalar(value, candidate));
      return found === (condition.op === 'in');
    }
    default: {
      const order = compareSameType(resolvePath(document, condition.path), condition.value);
      if (order === undefined) return false;
      switch (condition.op) {
        case 'gt':
          return order > 0;
        case 'gte':
          return order >= 0;
        case 'lt':
          return order < 0;
        case 'lte':
          return order <= 0;
      }
    }
  }
}

// Equal JSON type and value. Objects, arrays and MISSING equal no scalar.
function equalsScalar(stored: unknown, value: Scalar): boolean {
  return typeof stored === typeof value && stored === value;
}

// The order of a stored value against an operand of the same type, else undefined.
function compareSameType(stored: unknown, operand: number | string): number | undefined {
  if (typeof operand === 'number') {
    return typeof stored === 'number' ? Math.sign(stored - operand) : undefined;
  }
  return typeof stored === 'string' ? compareCodePoints(stored, operand) : undefined;
}

/**
 * Orders strings by Unicode code point, as PostgreSQL's `COLLATE "C"` and SQLite's
 * `BINARY` order their UTF-8 bytes. JavaScript's `<` compares UTF-16 code units instead,
 * which puts characters above U+FFFF before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return Math.sign(a.length - i - (b.length - j));
}
