import type { NormalizedCondition, Scalar } from '../../concurrency/condition.js';

/** SQL text plus its named parameters. Parameter names are generated here, never taken from callers. */
export interface CompiledCondition {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

/**
 * Compiles a condition to an SQLite expression over the `body` column. Field paths and
 * values are bound parameters; the SQL text depends only on the condition's shape. Every
 * test is wrapped so it yields 0 or 1, never NULL, which keeps `$not` and `$ne` exact
 * when a field is missing.
 */
export function compileCondition(condition: NormalizedCondition): CompiledCondition {
  const params: Record<string, string | number> = {};
  const bind = (value: string | number) => {
    const name = `c${Object.keys(params).length}`;
    params[name] = value;
    return `@${name}`;
  };
  return { sql: compile(condition, bind), params };
}

type Bind = (value: string | number) => string;

function compile(node: NormalizedCondition, bind: Bind): string {
  switch (node.op) {
    case 'and':
    case 'or':
      return `(${node.items.map((item) => compile(item, bind)).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${compile(node.item, bind)})`;
    case 'eq':
      return equals(node.path, node.value, bind);
    case 'ne':
      return `(NOT ${equals(node.path, node.value, bind)})`;
    case 'in':
    case 'nin': {
      const any = node.values.length
        ? `(${node.values.map((v) => equals(node.path, v, bind)).join(' OR ')})`
        : '0';
      return node.op === 'in' ? any : `(NOT ${any})`;
    }
    case 'exists':
      return `(json_type(body, ${bind(jsonPath(node.path))}) IS ${node.value ? 'NOT NULL' : 'NULL'})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const path = bind(jsonPath(node.path));
      const operator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op];
      return typed(path, node.value, `json_extract(body, ${path}) ${operator} ${bind(node.value)}`);
    }
  }
}

function equals(segments: string[], value: Scalar, bind: Bind): string {
  const path = bind(jsonPath(segments));
  if (value === null) return `(json_type(body, ${path}) IS 'null')`;
  if (typeof value === 'boolean') return `(json_type(body, ${path}) IS '${value}')`;
  return typed(path, value, `json_extract(body, ${path}) = ${bind(value)}`);
}

// Guards a comparison with the JSON type of the stored value, so 1 never equals "1" or true.
function typed(path: string, value: string | number, comparison: string): string {
  const types = typeof value === 'string' ? `('text')` : `('integer', 'real')`;
  return `COALESCE(json_type(body, ${path}) IN ${types} AND ${comparison}, 0)`;
}

// Segments were checked to hold no quotes, so quoting each one makes any name a plain key.
function jsonPath(segments: string[]): string {
  return `$${segments.map((s) => `."${s}"`).join('')}`;
}
