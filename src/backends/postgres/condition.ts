import type { NormalizedCondition } from '../kit/checks.js';
import { arrayIndexOf } from '../kit/checks.js';
import { type Bind, type ConditionDialect, compileConditionSql } from '../kit/condition-sql.js';

// The value a path addresses in `c.body` (the stored document, locked and read by the
// write's own statement), SQL NULL when missing. A key takes `-> text`, which finds
// nothing in an array; an index segment takes `#> '{n}'`, an index on an array and a key
// on an object. `#>` is never given any other segment: it reads '-1', '01' and '+1' as
// indexes too, counting '-1' from the end.
/** The value a path addresses in `c.body` as a jsonb expression, SQL NULL when missing. */
export function at(segments: string[], bind: Bind): string {
  const steps = segments.map((segment) =>
    arrayIndexOf(segment) === undefined
      ? ` -> ${bind(segment)}::text`
      : ` #> ${bind([segment])}::text[]`,
  );
  return `(c.body${steps.join('')})`;
}

// CASE, not AND, guards the casts: AND does not promise to test the type first.
const ifType = (field: string, type: string, test: string) =>
  `(CASE WHEN jsonb_typeof(${field}) = '${type}' THEN ${test} ELSE false END)`;

/** How PostgreSQL tests one field of `c.body` (see `ConditionDialect`). */
export const postgres: ConditionDialect = {
  equals(segments, value, bind) {
    const field = at(segments, bind);
    if (value === null) return `COALESCE(jsonb_typeof(${field}) = 'null', false)`;
    if (typeof value === 'boolean') return `COALESCE(${field} = '${value}'::jsonb, false)`;
    if (typeof value === 'string')
      return `COALESCE(${field} = to_jsonb(${bind(value)}::text), false)`;
    return ifType(field, 'number', `(${field})::numeric = ${bind(value)}::numeric`);
  },
  compare(segments, operator, value, bind) {
    const field = at(segments, bind);
    // COLLATE "C" compares strings by code point, as SQLite's binary order does.
    return typeof value === 'string'
      ? ifType(
          field,
          'string',
          `(${field} #>> '{}') COLLATE "C" ${operator} ${bind(value)}::text COLLATE "C"`,
        )
      : ifType(field, 'number', `(${field})::numeric ${operator} ${bind(value)}::numeric`);
  },
  exists(segments, present, bind) {
    return `(${at(segments, bind)} IS ${present ? 'NOT NULL' : 'NULL'})`;
  },
  false: 'false',
};

/** Compiles a condition to a PostgreSQL expression over `c.body`, binding through `bind`. */
export function compileCondition(condition: NormalizedCondition, bind: Bind): string {
  return compileConditionSql(condition, postgres, bind);
}
