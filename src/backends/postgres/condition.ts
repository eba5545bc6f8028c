import type { NormalizedCondition } from '../../concurrency/condition.js';
import { type Bind, type ConditionDialect, compileConditionSql } from '../condition-sql.js';

// `c.body` is the stored document, locked and read by the write's own statement.
const at = (path: string) => `(c.body #> ${path})`;

const postgres: ConditionDialect = {
  equals(segments, value, bind) {
    const field = at(`${bind(segments)}::text[]`);
    if (value === null) return `COALESCE(jsonb_typeof(${field}) = 'null', false)`;
    if (typeof value === 'boolean') return `COALESCE(${field} = '${value}'::jsonb, false)`;
    if (typeof value === 'string')
      return `COALESCE(${field} = to_jsonb(${bind(value)}::text), false)`;
    return `COALESCE(jsonb_typeof(${field}) = 'number' AND (${field})::numeric = ${bind(value)}::numeric, false)`;
  },
  compare(segments, operator, value, bind) {
    const field = at(`${bind(segments)}::text[]`);
    // COLLATE "C" compares strings by code point, as SQLite's binary order does.
    return typeof value === 'string'
      ? `COALESCE(jsonb_typeof(${field}) = 'string' AND (${field} #>> '{}') COLLATE "C" ${operator} ${bind(value)}::text COLLATE "C", false)`
      : `COALESCE(jsonb_typeof(${field}) = 'number' AND (${field})::numeric ${operator} ${bind(value)}::numeric, false)`;
  },
  exists(segments, present, bind) {
    return `(${at(`${bind(segments)}::text[]`)} IS ${present ? 'NOT NULL' : 'NULL'})`;
  },
  false: 'false',
};

/** Compiles a condition to a PostgreSQL expression over `c.body`, binding through `bind`. */
export function compileCondition(condition: NormalizedCondition, bind: Bind): string {
  return compileConditionSql(condition, postgres, bind);
}
