import type { Bind } from '../kit/condition-sql.js';
import {
  type JsonKind,
  jsonText,
  type NormalizedOperation,
  operationFits,
  parentPaths,
} from '../kit/operations.js';
import { at, compileCondition } from './condition.js';

const KINDS: Record<JsonKind, string> = {
  object: 'object',
  array: 'array',
  number: 'number',
  string: 'string',
};

// A double constant as SQL: JavaScript's shortest text reads back as the same double.
const double = (n: number) => `'${n}'::float8`;

/**
 * IEEE 754 arithmetic without PostgreSQL's range errors. float8 `+` and `*` give exactly
 * JavaScript's results, but raise an error where JavaScript gives ±Infinity (overflow)
 * or, for `*`, 0 from non-zero factors (underflow). `finite*` says, without overflowing,
 * whether the result is finite (halving both terms, or scaling both factors down by
 * 2^512, is exact there and keeps the comparison exact); `product` gives 0 where the
 * product underflows, judging it by logarithms far from the edge and, within a factor of
 * e of it, by the exactly scaled product (exact but for a product lying within 2^-53 of
 * 2^-1075 relatively, which two doubles only form by design).
 */
const half = (v: string) => `(CASE WHEN abs(${v}) < 1 THEN 0 ELSE ${v} * 0.5 END)`;
const finiteSum = (a: string, x: string) =>
  `(CASE WHEN abs(${a}) < ${double(2 ** 1000)} AND abs(${x}) < ${double(2 ** 1000)} THEN true
    ELSE abs(${half(a)} + ${half(x)}) < ${double(2 ** 1023)} END)`;
const finiteProduct = (a: string, x: string) =>
  `(CASE WHEN abs(${a}) < 1 OR abs(${x}) < 1 THEN true
    ELSE abs((${a} * ${double(2 ** -512)}) * (${x} * ${double(2 ** -512)})) < 1 END)`;
const product = (a: string, x: string) => {
  const logs = `ln(abs(${a})) + ln(abs(${x}))`;
  return `(CASE WHEN ${a} = 0 OR ${x} = 0 OR abs(${a}) >= 1 OR abs(${x}) >= 1 THEN ${a} * ${x}
    WHEN ${logs} < -746 THEN 0 WHEN ${logs} > -744 THEN ${a} * ${x}
    WHEN abs((${a} * ${double(2 ** 537)}) * (${x} * ${double(2 ** 537)})) <= 0.5 THEN 0
    ELSE ${a} * ${x} END)`;
};

/**
 * Compiles validated operations to one PostgreSQL expression over `c.body` (the stored
 * document, read by the write's own statement): the new document, or NULL when an
 * operation does not fit the stored one (`applyOperations` throws `OperationTypeError`
 * there). Paths, values and operands are bound through `bind`; the SQL text depends only
 * on the operations' shape and on which path segments may index an array.
 *
 * Values are read from the stored document and written with `jsonb_set` one operation
 * after the other, after the missing parents of every written path were created as `{}`
 * (operations never overlap, so what one writes is never what another reads).
 */
export function compileOperations(operations: readonly NormalizedOperation[], bind: Bind): string {
  const paths = new Map<string, string>();
  const where = (segments: string[]) => {
    const key = JSON.stringify(segments);
    let expression = paths.get(key);
    if (expression === undefined) {
      expression = at(segments, bind);
      paths.set(key, expression);
    }
    return expression;
  };
  const fits = operations.map((operation) => {
    const prefix = (length: number) => where(operation.path.slice(0, length));
    const types = {
      is: (length: number, kind: JsonKind) =>
        length === 0
          ? String(kind === 'object')
          : `COALESCE(jsonb_typeof(${prefix(length)}) = '${KINDS[kind]}', false)`,
      missing: (length: number) => (length === 0 ? 'false' : `(${prefix(length)} IS NULL)`),
    };
    return operationFits(operation, types, valueFits(operation, where(operation.path), bind));
  });
  let body = 'c.body';
  for (const parent of parentPaths(operations)) {
    body = `jsonb_set(${body}, ${bind(parent)}::text[], COALESCE(${where(parent)}, '{}'::jsonb))`;
  }
  for (const operation of operations) {
    const parent = () => where(operation.path.slice(0, -1));
    body = written(operation, body, where(operation.path), parent, bind);
  }
  // Every path reads the stored body; a large one is stored compressed, and each read
  // would decompress it again (256 operations on a 1 MB document took two minutes). It is
  // decompressed once, here, and the expression reads that copy under the same name.
  const once = `(SELECT c.body || '{}'::jsonb AS body OFFSET 0)`;
  return `(SELECT (CASE WHEN ${fits.join(' AND ')} THEN ${body} END) FROM ${once} c)`;
}

function valueFits(operation: NormalizedOperation, stored: string, bind: Bind): string {
  const isType = (kind: string) => `COALESCE(jsonb_typeof(${stored}) = '${kind}', false)`;
  switch (operation.op) {
    case 'set':
      return `(${stored} IS NOT NULL)`;
    case 'inc':
    case 'mul': {
      const test = operation.op === 'inc' ? finiteSum : finiteProduct;
      return `(CASE WHEN ${isType('number')} THEN ${test(`(${stored})::float8`, `${bind(operation.value)}::float8`)} ELSE false END)`;
    }
    case 'min':
    case 'max':
      return isType(typeof operation.value === 'number' ? 'number' : 'string');
    default:
      return isType('array');
  }
}

// The path where `addressed` holds, else a top-level key no document has (`__proto__` is
// refused in documents), where `jsonb_set(…, false)` and `#-` change nothing. A path that
// addresses nothing may run through an array by a key, which PostgreSQL refuses to walk
// (22P02); and `jsonb_set_lax` with a NULL value, the obvious tool, crashed PostgreSQL 18
// backends (signal 11) and corrupted compressed bodies. `body` stays one reference, so
// chained operations do not repeat the expression.
const only = (addressed: string, path: string) =>
  `(CASE WHEN ${addressed} THEN ${path} ELSE '{__proto__}'::text[] END)`;

function written(
  operation: NormalizedOperation,
  body: string,
  stored: string,
  parent: () => string,
  bind: Bind,
): string {
  const path = `${bind(operation.path)}::text[]`;
  const set = (value: string) => `jsonb_set(${body}, ${path}, ${value})`;
  switch (operation.op) {
    case 'set':
      return set(`${bind(jsonText(operation.value))}::jsonb`);
    case 'inc':
      return set(`to_jsonb(COALESCE((${stored})::float8, 0) + ${bind(operation.value)}::float8)`);
    case 'mul':
      return set(
        `(CASE WHEN ${stored} IS NULL THEN '0'::jsonb ELSE to_jsonb(${product(`(${stored})::float8`, `${bind(operation.value)}::float8`)}) END)`,
      );
    case 'min':
    case 'max': {
      const operand = bind(operation.value);
      const operator = operation.op === 'min' ? '>' : '<';
      const above =
        typeof operation.value === 'number'
          ? `(${stored})::numeric ${operator} ${operand}::numeric`
          : `(${stored} #>> '{}') COLLATE "C" ${operator} ${operand}::text COLLATE "C"`;
      return set(
        `(CASE WHEN ${stored} IS NULL OR ${above} THEN ${bind(jsonText(operation.value))}::jsonb ELSE ${stored} END)`,
      );
    }
    case 'push':
      return set(
        `(COALESCE(${stored}, '[]'::jsonb) || ${bind(jsonText(operation.values))}::jsonb)`,
      );
    case 'addToSet': {
      // jsonb's own equality is equality by JSON type and value for scalars; one pass over
      // the items for all the values, which it hashes.
      const items = `COALESCE(${stored}, '[]'::jsonb)`;
      const added = `(SELECT COALESCE(jsonb_agg(v.value ORDER BY v.n), '[]'::jsonb)
        FROM jsonb_array_elements(${bind(jsonText(operation.values))}::jsonb) WITH ORDINALITY AS v(value, n)
        WHERE NOT EXISTS (SELECT 1 FROM (SELECT ${items} AS items) s, jsonb_array_elements(s.items) AS i(item) WHERE i.item = v.value))`;
      return set(`(${items} || ${added})`);
    }
    case 'pull': {
      const holds = compileCondition(operation.condition, bind);
      const kept = `(SELECT COALESCE(jsonb_agg(c.body ORDER BY c.n), '[]'::jsonb) FROM (SELECT ${stored} AS items) s, jsonb_array_elements(s.items) WITH ORDINALITY AS c(body, n) WHERE NOT ${holds})`;
      return `jsonb_set(${body}, ${only(`jsonb_typeof(${stored}) = 'array'`, path)}, ${kept}, false)`;
    }
    case 'unset': {
      // An array item becomes null rather than going, so the other items keep their index;
      // an object's key goes. Each step is a no-op on the key no document has.
      const inArray = `jsonb_typeof(${parent()}) = 'array'`;
      const deleted = `(${body} #- ${only(`${stored} IS NOT NULL AND NOT ${inArray}`, path)})`;
      return `jsonb_set(${deleted}, ${only(`${stored} IS NOT NULL AND ${inArray}`, path)}, 'null'::jsonb, false)`;
    }
  }
}
