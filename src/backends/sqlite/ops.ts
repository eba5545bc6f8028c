import { jsonInFull, numberInFull, stringifyInFull } from '../../core/numbers-in-full.js';
import { arrayIndexOf } from '../kit/checks.js';
import type { Bind } from '../kit/condition-sql.js';
import {
  type JsonKind,
  jsonText,
  type NormalizedOperation,
  operationFits,
} from '../kit/operations.js';
import { compileCondition } from './condition.js';
import { compareNumberSql } from './number-order.js';

/** SQL text plus its named parameters. Parameter names are generated here, never taken from callers. */
export interface CompiledOperations {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

/** The name of the SQL function `registerOperationFunctions` adds. */
export const ARITHMETIC_FUNCTION = 'noclobber_arithmetic';

/**
 * `$inc` and `$mul` on the JSON text of a stored number, as JavaScript computes them:
 * the JSON text of the result (written in full, as documents are stored), or NULL when the stored text is no number or the result
 * is not finite. A missing number (`stored` NULL) starts at the operand (`inc`) or 0.
 *
 * SQLite's own arithmetic cannot serve: it reads JSON numbers beyond about 1e±100 a few
 * units in the last place off and writes doubles with 15 significant digits, so neither
 * `0.1 + 0.2` nor large numbers would come out as they do everywhere else.
 */
export function arithmetic(op: unknown, stored: unknown, operand: unknown): string | null {
  if (typeof operand !== 'number') return null;
  if (stored === null) return numberInFull(op === 'inc' ? operand : 0);
  const value = typeof stored === 'string' ? (JSON.parse(stored) as unknown) : null;
  if (typeof value !== 'number') return null;
  const result = op === 'inc' ? value + operand : value * operand;
  return Number.isFinite(result) ? numberInFull(result) : null;
}

/** The table-valued function `registerOperationFunctions` adds: the items of an array. */
export const ITEMS_FUNCTION = 'noclobber_items';

/** The function `registerOperationFunctions` adds for `$addToSet`. */
export const ADD_TO_SET_FUNCTION = 'noclobber_add_to_set';

/**
 * The items of the JSON text of an array, each with its index `k` and its JSON text
 * (`item`); nothing for NULL or any other JSON. SQLite's own `json_each` gives numbers as
 * doubles it reads a few units off and writes with 15 digits, and taking each item's exact
 * text with `->` walks the array from its start for each one: a `$pull` on 20,000 items
 * took 50 seconds. Parsing and writing again in JavaScript keeps each number exactly, and
 * writes it in full, as documents are stored.
 */
export function* arrayItems(items: unknown): Generator<[number, string]> {
  const value = typeof items === 'string' ? (JSON.parse(items) as unknown) : null;
  if (!Array.isArray(value)) return;
  for (let k = 0; k < value.length; k++) yield [k, jsonInFull(value[k])];
}

/**
 * `$addToSet` on the JSON text of an array (or NULL: none yet): the array with each of
 * `values` (the JSON text of an array of scalars) appended that no item equals, in one
 * pass. Scalars are equal by JSON type and value exactly when JavaScript writes them to
 * the same text (both sides parsed and written again here); no object or array equals a scalar.
 * NULL when `items` is not an array.
 */
export function addToSet(items: unknown, values: unknown): string | null {
  const stored = items === null ? [] : JSON.parse(String(items));
  if (!Array.isArray(stored) || typeof values !== 'string') return null;
  const present = new Set(stored.map((item) => JSON.stringify(item)));
  const added = (JSON.parse(values) as unknown[]).filter((v) => !present.has(JSON.stringify(v)));
  return stringifyInFull([...stored, ...added]);
}

/** What `registerOperationFunctions` needs of a connection (better-sqlite3's `Database`). */
export interface FunctionRegistry {
  function(
    name: string,
    options: { deterministic: boolean; safeIntegers?: boolean },
    implementation: (...args: unknown[]) => unknown,
  ): unknown;
  table(
    name: string,
    definition: {
      columns: string[];
      parameters: string[];
      rows: (...args: unknown[]) => Generator<unknown[]>;
    },
  ): unknown;
}

/** Adds the functions compiled operations call (`ARITHMETIC_FUNCTION` and kin) to a connection. */
export function registerOperationFunctions(database: FunctionRegistry): void {
  // Integers arrive as numbers even on a connection that reads them as `bigint`.
  const options = { deterministic: true, safeIntegers: false };
  database.function(ARITHMETIC_FUNCTION, options, (op, stored, operand) =>
    arithmetic(op, stored, operand),
  );
  database.function(ADD_TO_SET_FUNCTION, options, addToSet);
  database.table(ITEMS_FUNCTION, {
    columns: ['k', 'item'],
    parameters: ['items'],
    rows: arrayItems,
  });
}

// A path that never addresses anything: the root of a document is an object.
const NOWHERE = `'$[0]'`;

const KINDS: Record<JsonKind, string> = {
  object: `IS 'object'`,
  array: `IS 'array'`,
  number: `IN ('integer', 'real')`,
  string: `IS 'text'`,
};

/**
 * Compiles validated operations to one SQLite expression over the `body` column: the
 * new document's JSON text, or NULL when an operation does not fit the stored one
 * (`applyOperations` throws `OperationTypeError` there), with named parameters.
 *
 * A JSON path of SQLite names an array item (`[0]`) and an object key (`."0"`)
 * differently, so each path is built at run time: a segment that may be an index becomes
 * `[n]` where the stored value before it is an array and `."n"` elsewhere (where it is
 * missing, too: `json_set` then creates objects). Values are read from the stored body
 * (`->` keeps a number's text exactly) and written with `json_set` and its kin one
 * operation after the other; operations never overlap, so none reads what another wrote.
 * Numbers are added and multiplied by `ARITHMETIC_FUNCTION`, which the connection must
 * have (`registerOperationFunctions`).
 */
export function compileOperations(operations: readonly NormalizedOperation[]): CompiledOperations {
  const params: Record<string, string | number> = {};
  // A count of its own: Object.keys on every bind made a long filter quadratic.
  let count = 0;
  const bind: Bind = (value) => {
    const name = `o${count++}`;
    params[name] = value as string | number;
    return `@${name}`;
  };
  const fits: string[] = [];
  let body = 'body';
  for (const operation of operations) {
    const prefixes = runtimePaths(operation.path, bind);
    const prefix = (length: number) => prefixes[length] as string;
    const type = (length: number) => `json_type(body, ${prefix(length)})`;
    const types = {
      is: (length: number, kind: JsonKind) => `COALESCE(${type(length)} ${KINDS[kind]}, 0)`,
      missing: (length: number) => `(${type(length)} IS NULL)`,
    };
    const n = operation.path.length;
    const path = prefix(n);
    const stored = `(body -> ${path})`;
    fits.push(operationFits(operation, types, valueFits(operation, types, stored, bind)));
    body = written(
      operation,
      body,
      { path, stored, parentIsArray: types.is(n - 1, 'array') },
      bind,
    );
  }
  return { sql: `(CASE WHEN ${fits.join(' AND ')} THEN ${body} END)`, params };
}

// The JSON path of each prefix of `segments` in the stored body, as SQL text expressions.
function runtimePaths(segments: string[], bind: Bind): string[] {
  const paths = [`'$'`];
  for (const segment of segments) {
    const before = paths[paths.length - 1] as string;
    const key = bind(`."${segment}"`);
    const index = arrayIndexOf(segment);
    paths.push(
      index === undefined
        ? `(${before} || ${key})`
        : `(SELECT p || CASE WHEN json_type(body, p) IS 'array' THEN ${bind(`[${index}]`)} ELSE ${key} END FROM (SELECT ${before} AS p))`,
    );
  }
  return paths;
}

type Types = { is(length: number, kind: JsonKind): string };

function valueFits(
  operation: NormalizedOperation,
  types: Types,
  stored: string,
  bind: Bind,
): string {
  const n = operation.path.length;
  switch (operation.op) {
    case 'set':
      return `(${stored} IS NOT NULL)`;
    case 'inc':
    case 'mul':
      return `(${types.is(n, 'number')} AND ${ARITHMETIC_FUNCTION}('${operation.op}', ${stored}, ${bind(operation.value)}) IS NOT NULL)`;
    case 'min':
    case 'max':
      return types.is(n, typeof operation.value === 'number' ? 'number' : 'string');
    default:
      return types.is(n, 'array');
  }
}

// A condition on each item of the array `items` (JSON text), each item as the `body` it
// tests; `k` is the item's index. The item is named `body` one level up from where it is
// read: an alias names a column of its own select list too, `items` included.
function itemsWhere(items: string, condition: string): string {
  const each = `SELECT item, k FROM ${ITEMS_FUNCTION}(${items})`;
  return `(SELECT item AS body, k FROM (${each})) WHERE ${condition}`;
}

// The condition compiler names its own parameters; they are bound again under ours.
function condition(node: Parameters<typeof compileCondition>[0], bind: Bind): string {
  const compiled = compileCondition(node);
  const renamed = new Map<string, string>();
  return compiled.sql.replace(/@(c\d+)\b/g, (_, name: string) => {
    let ours = renamed.get(name);
    if (ours === undefined) {
      ours = bind(compiled.params[name] as string | number);
      renamed.set(name, ours);
    }
    return ours;
  });
}

function written(
  operation: NormalizedOperation,
  body: string,
  at: { path: string; stored: string; parentIsArray: string },
  bind: Bind,
): string {
  const { path, stored } = at;
  const set = (value: string) => `json_set(${body}, ${path}, json(${value}))`;
  switch (operation.op) {
    case 'set':
      return set(bind(jsonText(operation.value)));
    case 'inc':
    case 'mul':
      return set(`${ARITHMETIC_FUNCTION}('${operation.op}', ${stored}, ${bind(operation.value)})`);
    case 'min':
    case 'max': {
      const operator = operation.op === 'min' ? '>' : '<';
      const above =
        typeof operation.value === 'number'
          ? `${compareNumberSql(stored, operation.value, bind)} ${operator} 0`
          : `json_extract(body, ${path}) ${operator} ${bind(operation.value)}`;
      return set(
        `CASE WHEN ${stored} IS NULL OR ${above} THEN ${bind(jsonText(operation.value))} ELSE ${stored} END`,
      );
    }
    case 'push': {
      const items = `COALESCE(${stored}, '[]')`;
      if (operation.values.length === 0) return set(items);
      const appended = operation.values.map((v) => `'$[#]', json(${bind(jsonText(v))})`);
      return set(`json_insert(${items}, ${appended.join(', ')})`);
    }
    case 'addToSet':
      return set(`${ADD_TO_SET_FUNCTION}(${stored}, ${bind(jsonText(operation.values))})`);
    case 'pull': {
      const holds = condition(operation.condition, bind);
      const kept = `(SELECT json_group_array(json(body) ORDER BY k) FROM ${itemsWhere(stored, `NOT ${holds}`)})`;
      // json_replace writes only where something is: a missing path stays missing.
      return `json_replace(${body}, ${path}, json(${kept}))`;
    }
    case 'unset': {
      // An array item becomes null rather than going, so the other items keep their index.
      const { parentIsArray } = at;
      const removed = `json_remove(${body}, CASE WHEN ${parentIsArray} THEN ${NOWHERE} ELSE ${path} END)`;
      return `json_replace(${removed}, CASE WHEN ${parentIsArray} THEN ${path} ELSE ${NOWHERE} END, NULL)`;
    }
  }
}
