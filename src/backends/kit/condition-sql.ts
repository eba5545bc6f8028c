import type { NormalizedCondition, Scalar } from './checks.js';

/** Binds a value as a parameter and returns its placeholder. */
export type Bind = (value: string | number | string[]) => string;

/**
 * How one SQL dialect tests a single field, with the meaning `evaluateCondition` gives
 * it: paths as `resolvePath` walks them (`arrayIndexOf` says which segments may index an
 * array), values compared by JSON type. Each method returns an expression that is true
 * or false, never NULL (a missing field included), so `NOT` stays exact.
 */
export interface ConditionDialect {
  equals(path: string[], value: Scalar, bind: Bind): string;
  compare(
    path: string[],
    operator: '>' | '>=' | '<' | '<=',
    value: number | string,
    bind: Bind,
  ): string;
  exists(path: string[], present: boolean, bind: Bind): string;
  /**
   * Where the dialect has one, a single test that the path equals one of `values` (a
   * non-empty list), meaning what the `equals` of each joined by OR means; `undefined`
   * to have them joined so.
   */
  equalsAny?(path: string[], values: readonly Scalar[], bind: Bind): string | undefined;
  /**
   * Where the dialect has one, how the compiled branches of an `$or` are joined: the same
   * meaning as `(a OR b)`, written so that the database can serve each branch from an
   * index of its own.
   */
  anyOf?(branches: readonly string[]): string;
  readonly false: string;
}

const OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Compiles a validated condition to a boolean SQL expression. Paths and values only ever
 * become bound parameters; the SQL text depends on the condition's shape and on which
 * path segments may index an array, never on a value.
 */
export function compileConditionSql(
  node: NormalizedCondition,
  dialect: ConditionDialect,
  bind: Bind,
): string {
  const compile = (n: NormalizedCondition): string => {
    switch (n.op) {
      case 'and':
        return `(${n.items.map(compile).join(' AND ')})`;
      case 'or': {
        const branches = n.items.map(compile);
        return dialect.anyOf?.(branches) ?? `(${branches.join(' OR ')})`;
      }
      case 'not':
        return `(NOT ${compile(n.item)})`;
      case 'eq':
        return dialect.equals(n.path, n.value, bind);
      case 'ne':
        return `(NOT ${dialect.equals(n.path, n.value, bind)})`;
      case 'in':
      case 'nin': {
        const any = n.values.length
          ? (dialect.equalsAny?.(n.path, n.values, bind) ??
            `(${n.values.map((v) => dialect.equals(n.path, v, bind)).join(' OR ')})`)
          : dialect.false;
        return n.op === 'in' ? any : `(NOT ${any})`;
      }
      case 'exists':
        return dialect.exists(n.path, n.value, bind);
      default:
        return dialect.compare(n.path, OPERATORS[n.op], n.value, bind);
    }
  };
  return compile(node);
}
