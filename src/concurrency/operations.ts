import { InvalidOperationsError } from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';
import {
  type Condition,
  type NormalizedCondition,
  normalizeCondition,
  type Scalar,
} from './condition.js';
import type { Json } from './merge.js';

/**
 * The fields of one operator: the document's own top-level keys, or any dotted path,
 * each with an operand of type `A`. Dotted paths are checked when the database runs them.
 */
export type OperationFields<T, A> = { [K in keyof T & string]?: A } & {
  readonly [path: string]: A | undefined;
};

/**
 * The fields of an operator on values of type `V` (numbers for `$inc`, arrays for
 * `$push`): a top-level key of another type does not compile. A document type with an
 * index signature names no keys, so there every path is checked at run time only.
 */
export type TypedOperationFields<T, V, A> = string extends keyof T
  ? { readonly [path: string]: A | undefined }
  : { [K in keyof T & string as NonNullable<T[K]> extends V ? K : never]?: A } & {
      [K in keyof T & string as NonNullable<T[K]> extends V ? never : K]?: never;
    } & { readonly [path: string]: A | undefined };

/** `$push` and `$addToSet` take one value, or `{ $each: [...] }` for several. */
export type Each<V> = V | { readonly $each: readonly V[] };

/**
 * Atomic operations on one stored document, in MongoDB's shapes, executed by the database
 * in the write's own statement. Keys of each operator are field paths in the syntax of
 * conditions (`'customer.tier'`, `'lines.0.qty'`); no two operations may touch the same
 * path or one path and a path inside it. See docs/operations.md for what each one means.
 *
 * @example { $inc: { stock: -3 }, $push: { log: 'sold 3' } }
 */
export interface Operations<T = Record<string, unknown>> {
  /** Sets each path to a JSON value, creating missing objects on the way. */
  $set?: OperationFields<T, Json>;
  /** Removes each path (on an array item: sets it to `null`, so indexes stay); missing: nothing. */
  $unset?: OperationFields<T, true | '' | 1>;
  /** Adds a finite number to a number (a missing field starts at 0). */
  $inc?: TypedOperationFields<T, number, number>;
  /** Multiplies a number by a finite number (a missing field becomes 0). */
  $mul?: TypedOperationFields<T, number, number>;
  /** Sets the field to the operand when the operand is lower (numbers, or strings by code point). */
  $min?: TypedOperationFields<T, number | string, number | string>;
  /** Sets the field to the operand when the operand is higher. */
  $max?: TypedOperationFields<T, number | string, number | string>;
  /** Appends to an array (a missing field becomes a new array). */
  $push?: TypedOperationFields<T, readonly unknown[], Each<Json>>;
  /** Removes every item equal to a scalar, or every item a condition holds on. */
  $pull?: TypedOperationFields<T, readonly unknown[], Scalar | Condition>;
  /** Appends each scalar no item of the array equals (by JSON type and value). */
  $addToSet?: TypedOperationFields<T, readonly unknown[], Each<Scalar>>;
}

/** One validated operation: what the reference and the SQL compilers work from. */
export type NormalizedOperation =
  | { op: 'set'; path: string[]; value: Json }
  | { op: 'unset'; path: string[] }
  | { op: 'inc' | 'mul'; path: string[]; value: number }
  | { op: 'min' | 'max'; path: string[]; value: number | string }
  | { op: 'push'; path: string[]; values: Json[] }
  | { op: 'addToSet'; path: string[]; values: Scalar[] }
  | { op: 'pull'; path: string[]; condition: NormalizedCondition };

/** The operators, as callers write them. */
export const OPERATORS = [
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$pull',
  '$addToSet',
] as const;

const MAX_OPERATIONS = 256;
const MAX_VALUES = 256;
// A path's prefixes are each read in the compiled statement, so its cost grows with the
// square of its length: paths are kept short, and their segments bounded per call.
const MAX_PATH_SEGMENTS = 16;
const MAX_SEGMENTS = 512;
const MAX_DEPTH = 64;
// The key a `$pull` operand of bare field operators is tested under, then dropped.
const ITEM = 'item';

/**
 * Validates a caller's operations and returns them as a list, one entry per path, in the
 * order given. Throws `InvalidOperationsError` (or `InvalidConditionError` for a `$pull`
 * condition) for anything that cannot mean something on every document: unknown
 * operators, bad paths, non-finite numbers, strings no document can hold, overlapping
 * paths, and paths whose first segment is one of `reserved` (the id field).
 */
export function normalizeOperations(
  operations: unknown,
  reserved: readonly string[] = [],
): NormalizedOperation[] {
  if (!isPlainObject(operations)) {
    throw new InvalidOperationsError(`Operations are an object, got ${safeDescribe(operations)}`);
  }
  const result: NormalizedOperation[] = [];
  for (const [operator, fields] of Object.entries(operations)) {
    if (fields === undefined) continue;
    if (!(OPERATORS as readonly string[]).includes(operator)) {
      throw new InvalidOperationsError(`Unknown operator ${JSON.stringify(operator.slice(0, 40))}`);
    }
    if (!isPlainObject(fields)) {
      throw new InvalidOperationsError(`${operator} takes an object of field paths`);
    }
    for (const [field, operand] of Object.entries(fields)) {
      if (operand === undefined) continue;
      if (result.length >= MAX_OPERATIONS) {
        throw new InvalidOperationsError(`More than ${MAX_OPERATIONS} operations`);
      }
      const path = parsePath(field);
      if (reserved.includes(path[0] as string)) {
        throw new InvalidOperationsError(
          `${operator} cannot change the field ${JSON.stringify(path[0])}`,
        );
      }
      result.push(normalizeOne(operator, path, operand));
    }
  }
  if (result.length === 0) throw new InvalidOperationsError('No operation given');
  refuseOverlaps(result);
  // Each `$addToSet` value is a test of its own in the compiled statement: bounded with the
  // operations, so one request cannot compile to an expression the database refuses (or
  // takes minutes over).
  const terms = result.reduce((n, o) => n + (o.op === 'addToSet' ? o.values.length : 1), 0);
  if (terms > MAX_OPERATIONS) {
    throw new InvalidOperationsError(
      `More than ${MAX_OPERATIONS} operations and $addToSet values in one call (${terms})`,
    );
  }
  const segments = result.reduce((n, o) => n + o.path.length, 0);
  if (segments > MAX_SEGMENTS) {
    throw new InvalidOperationsError(
      `More than ${MAX_SEGMENTS} path segments in one call (${segments})`,
    );
  }
  return result;
}

function normalizeOne(operator: string, path: string[], operand: unknown): NormalizedOperation {
  const where = `${operator} on ${path.join('.')}`;
  switch (operator) {
    case '$set':
      return { op: 'set', path, value: json(operand, where, 0) };
    case '$unset':
      return { op: 'unset', path };
    case '$inc':
    case '$mul':
      return { op: operator === '$inc' ? 'inc' : 'mul', path, value: finite(operand, where) };
    case '$min':
    case '$max':
      if (typeof operand !== 'string') {
        return { op: operator === '$min' ? 'min' : 'max', path, value: finite(operand, where) };
      }
      return { op: operator === '$min' ? 'min' : 'max', path, value: text(operand, where) };
    case '$push':
      return { op: 'push', path, values: each(operand, where).map((v) => json(v, where, 0)) };
    case '$addToSet': {
      const values: Scalar[] = [];
      for (const v of each(operand, where)) {
        const s = scalar(v, where);
        if (!values.some((seen) => seen === s)) values.push(s);
      }
      return { op: 'addToSet', path, values };
    }
    default:
      return { op: 'pull', path, condition: pullCondition(operand, where) };
  }
}

// A `$pull` operand: a scalar removes the items equal to it; an object of field operators
// (`{ $gte: 5 }`) tests each item itself; any other object is a condition on each item.
function pullCondition(operand: unknown, where: string): NormalizedCondition {
  if (!isPlainObject(operand)) return { op: 'eq', path: [], value: scalar(operand, where) };
  const keys = Object.keys(operand);
  const onItem =
    keys.length > 0 && keys.every((k) => k.startsWith('$') && !['$and', '$or', '$not'].includes(k));
  if (!onItem) return normalizeCondition(operand);
  return dropFirstSegment(normalizeCondition({ [ITEM]: operand }));
}

function dropFirstSegment(c: NormalizedCondition): NormalizedCondition {
  switch (c.op) {
    case 'and':
    case 'or':
      return { op: c.op, items: c.items.map(dropFirstSegment) };
    case 'not':
      return { op: 'not', item: dropFirstSegment(c.item) };
    default:
      return { ...c, path: c.path.slice(1) };
  }
}

function each(operand: unknown, where: string): unknown[] {
  if (!isPlainObject(operand) || !Object.keys(operand).some((k) => k.startsWith('$'))) {
    return [operand];
  }
  const { $each, ...rest } = operand;
  if (Object.keys(rest).length > 0 || !Array.isArray($each)) {
    throw new InvalidOperationsError(`${where}: the only modifier is $each, an array`);
  }
  if ($each.length > MAX_VALUES) {
    throw new InvalidOperationsError(`${where}: $each takes at most ${MAX_VALUES} values`);
  }
  return $each;
}

// Paths follow the condition syntax exactly, so the condition validator parses them.
function parsePath(field: string): string[] {
  try {
    // A lone surrogate cannot be a stored key: both databases would write U+FFFD instead.
    const parsed = field.isWellFormed()
      ? normalizeCondition({ [field]: { $exists: true } })
      : undefined;
    if (parsed?.op === 'exists') {
      if (parsed.path.length > MAX_PATH_SEGMENTS) {
        throw new InvalidOperationsError(
          `The path ${JSON.stringify(field.slice(0, 80))} has more than ${MAX_PATH_SEGMENTS} segments`,
        );
      }
      return parsed.path;
    }
  } catch (error) {
    if (error instanceof InvalidOperationsError) throw error;
    // Reported below, in the words of operations.
  }
  throw new InvalidOperationsError(
    `Invalid field path ${JSON.stringify(field.slice(0, 80))}: dot-separated non-empty names without quotes, backslashes or control characters, not starting with $`,
  );
}

function refuseOverlaps(operations: readonly NormalizedOperation[]): void {
  const within = (a: string[], b: string[]) =>
    a.length <= b.length && a.every((s, i) => s === b[i]);
  operations.forEach((a, i) => {
    for (const b of operations.slice(i + 1)) {
      if (within(a.path, b.path) || within(b.path, a.path)) {
        throw new InvalidOperationsError(
          `Two operations on overlapping paths: ${a.path.join('.')} and ${b.path.join('.')}`,
        );
      }
    }
  });
}

function finite(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new InvalidOperationsError(`${where} takes a finite number, got ${safeDescribe(value)}`);
}

// No stored document holds a NUL character or a lone surrogate.
function text(value: string, where: string): string {
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw new InvalidOperationsError(
      `${where}: a string holds a NUL character or a lone surrogate`,
    );
  }
  return value;
}

function scalar(value: unknown, where: string): Scalar {
  if (typeof value === 'string') return text(value, where);
  if (value === null || typeof value === 'boolean') return value;
  return finite(value, where);
}

function json(value: unknown, where: string, depth: number): Json {
  if (depth > MAX_DEPTH)
    throw new InvalidOperationsError(`${where}: a value nests deeper than ${MAX_DEPTH}`);
  if (Array.isArray(value)) return value.map((item) => json(item, where, depth + 1));
  if (isPlainObject(value)) {
    const copy: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      Object.defineProperty(copy, text(key, where), {
        value: json(item, where, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    throw new InvalidOperationsError(`${where}: values are plain JSON, got an instance of a class`);
  }
  return scalar(value, where);
}
