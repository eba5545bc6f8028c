import { InvalidConditionError } from '../core/errors.js';
import { hasControlCharacter, isPlainObject, safeDescribe } from '../core/json.js';

/** A JSON scalar a condition can compare with. */
export type Scalar = string | number | boolean | null;

/** Operators on one field. Several in one object must all hold. */
export interface FieldOperators {
  $eq?: Scalar;
  $ne?: Scalar;
  $in?: readonly Scalar[];
  $nin?: readonly Scalar[];
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $exists?: boolean;
}

/**
 * A declarative predicate on the stored document, compiled to SQL and evaluated by the
 * database in the same statement as the write. Keys are field paths (`'customer.tier'`);
 * a scalar value means equality. `$and`, `$or` and `$not` combine predicates. Types are
 * strict: `{ paid: true }` does not match `paid: 1`, and comparisons only hold between
 * numbers or between strings.
 *
 * @example { status: 'pending', total: { $lte: 100 }, 'customer.tier': { $in: ['gold', 'silver'] } }
 */
export interface Condition {
  [field: string]: Scalar | FieldOperators | readonly Condition[] | Condition | undefined;
  $and?: readonly Condition[];
  $or?: readonly Condition[];
  $not?: Condition;
}

/** A condition after validation: the tree each backend compiles to its own SQL. */
export type NormalizedCondition =
  | { op: 'and' | 'or'; items: NormalizedCondition[] }
  | { op: 'not'; item: NormalizedCondition }
  | { op: 'eq' | 'ne'; path: string[]; value: Scalar }
  | { op: 'in' | 'nin'; path: string[]; values: Scalar[] }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; path: string[]; value: number | string }
  | { op: 'exists'; path: string[]; value: boolean };

const MAX_NODES = 256;
// Values compared with, in all: each is a bound parameter (or more), and a statement takes
// at most 32,766 of them on SQLite and 65,535 on PostgreSQL; binding and planning grow
// with their number, so this also bounds what one filter costs the database.
const MAX_VALUES = 1024;
const MAX_PATH_SEGMENTS = 32;
const FIELD_OPS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists']);

/** Validates a caller's condition; throws `InvalidConditionError` on anything unexpected. */
export function normalizeCondition(condition: unknown): NormalizedCondition {
  const budget = { nodes: 0, values: 0 };
  const normalized = normalizeObject(condition, budget, 0);
  if (budget.values > MAX_VALUES) {
    throw new InvalidConditionError(
      `A condition compares with more than ${MAX_VALUES} values in all (it has ${budget.values})`,
    );
  }
  return normalized;
}

type Budget = { nodes: number; values: number };

function normalizeObject(value: unknown, budget: Budget, depth: number) {
  if (!isPlainObject(value)) {
    throw new InvalidConditionError(`A condition is an object, got ${safeDescribe(value)}`);
  }
  if (depth > 16) throw new InvalidConditionError('A condition nests deeper than 16 levels');
  const items: NormalizedCondition[] = [];
  for (const [key, test] of Object.entries(value)) {
    if (++budget.nodes > MAX_NODES) {
      throw new InvalidConditionError(`A condition has more than ${MAX_NODES} tests`);
    }
    if (test === undefined) continue;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(test) || test.length === 0) {
        throw new InvalidConditionError(`${key} takes a non-empty array of conditions`);
      }
      items.push({
        op: key === '$and' ? 'and' : 'or',
        items: test.map((c) => normalizeObject(c, budget, depth + 1)),
      });
    } else if (key === '$not') {
      items.push({ op: 'not', item: normalizeObject(test, budget, depth + 1) });
    } else if (key.startsWith('$')) {
      throw new InvalidConditionError(`Unknown operator ${JSON.stringify(key)}`);
    } else {
      const tests = normalizeField(parsePath(key), test);
      for (const t of tests) budget.values += 'values' in t ? t.values.length : 1;
      items.push(...tests);
    }
  }
  // An empty object would compile to an empty SQL clause, or silently mean "always".
  if (items.length === 0) {
    throw new InvalidConditionError(
      'A condition (and every one nested in it) tests at least one field',
    );
  }
  return items.length === 1 && items[0] ? items[0] : ({ op: 'and', items } as const);
}

function normalizeField(path: string[], test: unknown): NormalizedCondition[] {
  if (!isPlainObject(test)) return [{ op: 'eq', path, value: scalar(test) }];
  const tests: NormalizedCondition[] = [];
  for (const [op, operand] of Object.entries(test)) {
    if (!FIELD_OPS.has(op)) {
      throw new InvalidConditionError(
        `Unknown operator ${JSON.stringify(op)} on field ${path.join('.')}`,
      );
    }
    if (operand === undefined) continue;
    switch (op) {
      case '$eq':
      case '$ne':
        tests.push({ op: op === '$eq' ? 'eq' : 'ne', path, value: scalar(operand) });
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(operand) || operand.length > MAX_NODES) {
          throw new InvalidConditionError(`${op} takes an array of at most ${MAX_NODES} scalars`);
        }
        // Array.from visits holes, which map skips: a hole is refused like undefined.
        tests.push({ op: op === '$in' ? 'in' : 'nin', path, values: Array.from(operand, scalar) });
        break;
      case '$exists':
        if (typeof operand !== 'boolean')
          throw new InvalidConditionError('$exists takes a boolean');
        tests.push({ op: 'exists', path, value: operand });
        break;
      default:
        tests.push({
          op: op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte',
          path,
          value: ordered(operand),
        });
    }
  }
  if (tests.length === 0) {
    throw new InvalidConditionError(`No operator given for field ${path.join('.')}`);
  }
  return tests;
}

/**
 * Splits a field path (`'customer.tier'`) into its segments; throws
 * `InvalidConditionError` for an empty segment, a quote, a backslash, a control character
 * or more than 32 segments. Sort keys take their paths through it too.
 */
export function parsePath(key: string): string[] {
  const segments = key.split('.');
  if (
    segments.length > MAX_PATH_SEGMENTS ||
    segments.some((s) => s === '' || /["\\]/.test(s) || hasControlCharacter(s))
  ) {
    throw new InvalidConditionError(
      `Invalid field path ${JSON.stringify(key.slice(0, 80))}: dot-separated non-empty names without quotes, backslashes or control characters`,
    );
  }
  return segments;
}

function scalar(value: unknown): Scalar {
  if (typeof value === 'string') return storable(value);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new InvalidConditionError(
    `Conditions compare with JSON scalars (string, finite number, boolean, null), got ${safeDescribe(value)}`,
  );
}

function ordered(value: unknown): number | string {
  if (typeof value === 'string') return storable(value);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new InvalidConditionError(
    `Comparisons take a finite number or a string, got ${safeDescribe(value)}`,
  );
}

// No stored document holds a NUL character or a lone surrogate (see the document rules),
// and PostgreSQL refuses them even as parameters: such a value is a mistake, said so.
function storable(value: string): string {
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw new InvalidConditionError(
      'A condition string holds a NUL character or a lone surrogate, which no document can hold',
    );
  }
  return value;
}
