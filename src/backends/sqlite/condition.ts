import type { NormalizedCondition } from '../../concurrency/condition.js';
import { type Bind, type ConditionDialect, compileConditionSql } from '../condition-sql.js';

/** SQL text plus its named parameters. Parameter names are generated here, never taken from callers. */
export interface CompiledCondition {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

// Segments were checked to hold no quotes, so quoting each one makes any name a plain key.
const jsonPath = (segments: string[]) => `$${segments.map((s) => `."${s}"`).join('')}`;

// Guards a comparison with the JSON type of the stored value, so 1 never equals "1" or true.
function typed(path: string, value: string | number, comparison: string): string {
  const types = typeof value === 'string' ? `('text')` : `('integer', 'real')`;
  return `COALESCE(json_type(body, ${path}) IN ${types} AND ${comparison}, 0)`;
}

const sqlite: ConditionDialect = {
  equals(segments, value, bind) {
    const path = bind(jsonPath(segments));
    if (value === null) return `(json_type(body, ${path}) IS 'null')`;
    if (typeof value === 'boolean') return `(json_type(body, ${path}) IS '${value}')`;
    return typed(path, value, `json_extract(body, ${path}) = ${bind(value)}`);
  },
  compare(segments, operator, value, bind) {
    const path = bind(jsonPath(segments));
    return typed(path, value, `json_extract(body, ${path}) ${operator} ${bind(value)}`);
  },
  exists(segments, present, bind) {
    return `(json_type(body, ${bind(jsonPath(segments))}) IS ${present ? 'NOT NULL' : 'NULL'})`;
  },
  false: '0',
};

/** Compiles a condition to an SQLite expression over the `body` column, with named parameters. */
export function compileCondition(condition: NormalizedCondition): CompiledCondition {
  const params: Record<string, string | number> = {};
  const bind: Bind = (value) => {
    const name = `c${Object.keys(params).length}`;
    params[name] = value as string | number;
    return `@${name}`;
  };
  return { sql: compileConditionSql(condition, sqlite, bind), params };
}
