import type { NormalizedCondition } from '../kit/checks.js';
import { arrayIndexOf } from '../kit/checks.js';
import { type Bind, type ConditionDialect, compileConditionSql } from '../kit/condition-sql.js';
import { type IndexSpec, withIndexes } from '../kit/indexes.js';
import { idsOfBranches, type ServedBranches, sqliteIndexes, withLiveBranches } from './indexes.js';
import { compareNumberSql, numberKeySql } from './number-order.js';
import { sharedStrings } from './shared-strings.js';

/** SQL text plus its named parameters. Parameter names are generated here, never taken from callers. */
export interface CompiledCondition {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

// Segments were checked to hold no quotes, so quoting each one makes any name a plain key.
const jsonPath = (keys: string[]) => `$${keys.map((s) => `."${s}"`).join('')}`;

/**
 * Where a path leads in `body`: a JSON text `doc` and a key path from it (bound), for
 * `json_type` and `json_extract`. A JSON path names an array item (`[0]`) and an object
 * key (`."0"`) differently, so each segment that may be either ends the path there: the
 * value so far is taken as JSON text (`->`, which keeps a string quoted and a missing
 * value NULL) once, in a subquery, and whichever of the two steps finds something is
 * the next `doc`. Keys in a row share one path.
 */
function locate(segments: string[], bind: Bind): { doc: string; path: string } {
  let doc = 'body';
  let keys: string[] = [];
  for (const segment of segments) {
    const index = arrayIndexOf(segment);
    if (index === undefined) {
      keys.push(segment);
      continue;
    }
    const item = bind(`${jsonPath(keys)}[${index}]`);
    const member = bind(jsonPath([...keys, segment]));
    doc = `(SELECT COALESCE(v -> ${item}, v -> ${member}) FROM (SELECT ${doc} AS v))`;
    keys = [];
  }
  return { doc, path: bind(jsonPath(keys)) };
}

/** The stored value's JSON type, its SQL value (strings as text) and its JSON text. */
export const field = (segments: string[], bind: Bind) => {
  const { doc, path } = locate(segments, bind);
  return {
    type: `json_type(${doc}, ${path})`,
    value: `json_extract(${doc}, ${path})`,
    text: `(${doc} -> ${path})`,
  };
};

/** Where a path leads in `body`, as `field` gives it. */
export type Field = ReturnType<typeof field>;

// A test of the stored value against an operand of the same JSON type, false on any other
// type, so 1 never equals "1" or true (json_extract gives both as SQL values equal to 1).
// CASE tests the type first: numbers are compared through their JSON text, which only a
// number has (see number-order.ts).
function typed(stored: Field, operand: string | number, operator: string, bind: Bind): string {
  if (typeof operand === 'string') {
    return `(CASE WHEN ${stored.type} = 'text' THEN ${stored.value} ${operator} ${bind(operand)} ELSE 0 END)`;
  }
  const order = compareNumberSql(stored.text, operand, bind);
  return `(CASE WHEN ${stored.type} IN ('integer', 'real') THEN ${order} ${operator} 0 ELSE 0 END)`;
}

/** How SQLite tests one field of the `body` column (see `ConditionDialect`). */
export const sqlite: ConditionDialect = {
  equals(segments, value, bind) {
    const f = field(segments, bind);
    if (value === null) return `(${f.type} IS 'null')`;
    if (typeof value === 'boolean') return `(${f.type} IS '${value}')`;
    return typed(f, value, '=', bind);
  },
  // One lookup of the field for a whole list, each type tested once: written value by value,
  // each number's comparison (see number-order.ts) and the path were written out again, and
  // 256 numbers made a statement of hundreds of kilobytes that took SQLite a second to
  // prepare. Numbers match by their exact key, which two numbers share when they are equal.
  equalsAny(segments, values, bind) {
    const f = field(segments, bind);
    const strings = values.filter((v) => typeof v === 'string');
    const numbers = values.filter((v) => typeof v === 'number');
    const tests: string[] = [];
    if (strings.length > 0) {
      const list = strings.map((v) => bind(v)).join(', ');
      tests.push(`(CASE WHEN ${f.type} = 'text' THEN ${f.value} IN (${list}) ELSE 0 END)`);
    }
    if (numbers.length > 0) {
      const list = numbers.map((v) => numberKeySql(bind(v))).join(', ');
      tests.push(
        `(CASE WHEN ${f.type} IN ('integer', 'real') THEN ${numberKeySql(f.text)} IN (${list}) ELSE 0 END)`,
      );
    }
    for (const constant of new Set(
      values.filter((v) => typeof v !== 'string' && typeof v !== 'number'),
    )) {
      tests.push(`(${f.type} IS '${constant}')`);
    }
    return `(${tests.join(' OR ')})`;
  },
  compare(segments, operator, value, bind) {
    return typed(field(segments, bind), value, operator, bind);
  },
  exists(segments, present, bind) {
    return `(${field(segments, bind).type} IS ${present ? 'NOT NULL' : 'NULL'})`;
  },
  false: '0',
};

/**
 * Compiles a condition to an SQLite expression over the `body` column, with named
 * parameters; tests of paths the collection's `indexes` hold are written as they keep them.
 * With `live` (a statement's `livePredicate`), each `$or` branch says `live` too (see
 * `withLiveBranches`), and with `branches` as well (the `$or` branches its `ReadPlan`
 * reads off their indexes), the condition is the ids they read, each branch's SELECT
 * ending with `tail` (a page in id order: its order and limit).
 */
export function compileCondition(
  condition: NormalizedCondition,
  indexes: readonly IndexSpec[] = [],
  live?: string,
  branches?: { served: ServedBranches; tail: string },
): CompiledCondition {
  const params: Record<string, string | number> = {};
  // A count of its own: Object.keys on every bind made a long filter quadratic. A string
  // (a path, mostly) is bound once however often it is named (see `sharedStrings`).
  let count = 0;
  const bind: Bind = sharedStrings((value) => {
    const name = `c${count++}`;
    params[name] = value as string | number;
    return `@${name}`;
  });
  const indexed = withIndexes(sqlite, sqliteIndexes, indexes, null);
  if (live === undefined) return { sql: compileConditionSql(condition, indexed, bind), params };
  const dialect = withLiveBranches(indexed, live);
  const compile = (item: NormalizedCondition) => compileConditionSql(item, dialect, bind);
  const sql = branches
    ? idsOfBranches(branches.served, (item) => compile(item) + branches.tail, live)
    : compile(condition);
  return { sql, params };
}
