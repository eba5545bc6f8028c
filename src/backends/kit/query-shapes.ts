import type { NormalizedCondition, Scalar } from './checks.js';
import type { NormalizedQuery } from './query-sql.js';

/** A query's statement: its text and the values it binds, in order, the tenant first. */
export interface QueryStatement {
  readonly text: string;
  readonly values: unknown[];
}

// Where each bound value of a shape's statement comes from, after the tenant: the
// query's value at that place in `shapeOf` order, the limit last (a number), or a value
// the shape itself fixes, such as a path segment (`{ fixed }`).
type Source = number | { readonly fixed: unknown };

interface Template {
  readonly text: string;
  readonly sources: readonly Source[];
}

// Shapes kept per list of indexes, at most; past it the map starts over.
const MAX_SHAPES = 256;
const NO_INDEXES: readonly unknown[] = [];
// A shape met once, not learned yet.
const SEEN = 0;

/**
 * The statements of queries by their shape: a query of a shape met before takes that
 * shape's text and only binds its own values, rather than being compiled again (most of
 * a short query's own time), and its text is the same string each time. A shape is the
 * query with its strings and numbers (and the limit) left out; booleans and nulls are
 * part of it, as the SQL may write them into the text. A shape is kept only when a second
 * compile, with every string and number replaced, gives the same text and binds those
 * replacements where the first bound the query's values: else it is compiled every time.
 * A shape is learned when it is met the second time, so a query of a shape met once costs
 * one compile, as it did without this cache. Queries continuing after a cursor, and pages
 * with a byte budget, are always compiled. A value the compiler derives from
 * a query's value (rather than binding it as it is) has no place in a template, so a shape
 * whose statement binds one is compiled every time: such a compiler derives it in SQL when
 * the statement is worth keeping.
 */
export class QueryShapes {
  readonly #byIndexes = new WeakMap<object, Map<string, Template | null | typeof SEEN>>();
  readonly #limitInShape: boolean;

  /**
   * `limitInShape`: the limit is part of a shape rather than a value, for a compiler that
   * may write it into the text (PostgreSQL keeps one plan for a statement only when its
   * limit is known, see its `findStatement`); then each limit a caller uses is a shape.
   */
  constructor(options: { readonly limitInShape?: boolean } = {}) {
    this.#limitInShape = options.limitInShape ?? false;
  }

  /** The statement of `query`, as `compile` writes it, binding `tenant` first. */
  statement(
    tenant: string,
    collection: string,
    indexes: readonly unknown[] | undefined,
    query: NormalizedQuery,
    compile: (query: NormalizedQuery) => QueryStatement,
  ): QueryStatement {
    if (query.after !== undefined || query.maxBytes !== undefined) return compile(query);
    const leaves: (string | number)[] = [];
    let key = `${collection}\0${shapeOf(query.filter, leaves)}\0${query.sort.map(sortMark).join('')}`;
    if (this.#limitInShape) key += `\0${query.limit}`;
    else leaves.push(query.limit);
    let shapes = this.#byIndexes.get(indexes ?? NO_INDEXES);
    if (!shapes || shapes.size >= MAX_SHAPES) {
      shapes = new Map();
      this.#byIndexes.set(indexes ?? NO_INDEXES, shapes);
    }
    const known = shapes.get(key);
    if (typeof known === 'object' && known !== null) {
      return { text: known.text, values: bound(tenant, known.sources, leaves) };
    }
    const statement = compile(query);
    if (known === undefined) shapes.set(key, SEEN);
    else if (known === SEEN) {
      shapes.set(key, templateOf(query, leaves, statement, compile, this.#limitInShape));
    }
    return statement;
  }
}

const bound = (tenant: string, sources: readonly Source[], leaves: readonly unknown[]) => {
  const values: unknown[] = [tenant];
  for (const source of sources) {
    values.push(typeof source === 'number' ? leaves[source] : source.fixed);
  }
  return values;
};

// The template of a shape, or null when the text or the values do not follow the shape.
function templateOf(
  query: NormalizedQuery,
  leaves: readonly (string | number)[],
  statement: QueryStatement,
  compile: (query: NormalizedQuery) => QueryStatement,
  limitInShape: boolean,
): Template | null {
  // No validated path or string value holds a NUL, so no fixed value is taken for a
  // string's stand-in; the check of `again` below catches any other mix-up. A number's
  // stand-in has the other sign: equal to the query's own number, a value the compiler
  // derives from it (SQLite's sign, exponent and digits) would be the same in both
  // compiles, taken as fixed, and bound for every later query of the shape.
  const stand = (i: number) => {
    const value = leaves[i];
    if (typeof value === 'string') return `\u0000nc:${i}`;
    return (value as number) < 0 ? 1e-9 + i : -1e-9 - i;
  };
  // Each stand-in's leaf, found by value: a search of the leaves for each bound value
  // made learning a shape of a long `$in` list take as long as a dozen compiles.
  const leafOf = new Map<unknown, number>();
  let next = 0;
  const filter =
    query.filter &&
    replaced(query.filter, () => {
      const value = stand(next);
      leafOf.set(value, next++);
      return value;
    });
  // The limit's stand-in is a valid limit, as a compiler may check it; a limit that is
  // part of the shape is its own, and bound (if at all) as a fixed value.
  const limit = limitInShape ? query.limit : Number.MAX_SAFE_INTEGER - next;
  const other = compile({ ...query, filter, limit });
  if (other.text !== statement.text || other.values.length !== statement.values.length) {
    return null;
  }
  const sources = other.values.slice(1).map((value): Source => {
    if (value === limit && !limitInShape) return leaves.length - 1;
    return leafOf.get(value) ?? { fixed: value };
  });
  const again = bound(statement.values[0] as string, sources, leaves);
  return again.every((value, i) => sameValue(value, statement.values[i]))
    ? { text: statement.text, sources }
    : null;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  Object.is(a, b) ||
  (Array.isArray(a) &&
    Array.isArray(b) &&
    a.length === b.length &&
    a.every((item, i) => Object.is(item, b[i])));

// A path as a shape writes it: validated segments are never empty and hold no dot and no
// quote, so the quoted, dot-joined segments name one path only (JSON.stringify cost more).
const pathMark = (path: readonly string[]) => `"${path.join('.')}"`;

const sortMark = (key: NormalizedQuery['sort'][number]) =>
  `${key.descending ? '-' : '+'}${pathMark(key.path)}`;

// The shape of a filter as text, its strings and numbers pushed to `leaves` in order.
function shapeOf(node: NormalizedCondition | null, leaves: (string | number)[]): string {
  if (node === null) return '*';
  switch (node.op) {
    case 'and':
    case 'or':
      return `${node.op}(${node.items.map((item) => shapeOf(item, leaves)).join(',')})`;
    case 'not':
      return `not(${shapeOf(node.item, leaves)})`;
    case 'in':
    case 'nin':
      return `${node.op}${pathMark(node.path)}[${node.values.map((v) => leaf(v, leaves)).join('')}]`;
    case 'exists':
      return `exists${pathMark(node.path)}${node.value}`;
    default:
      return `${node.op}${pathMark(node.path)}${leaf(node.value, leaves)}`;
  }
}

// A value's mark in a shape: a string or number is a leaf, a boolean or null is itself.
function leaf(value: Scalar, leaves: (string | number)[]): string {
  if (typeof value === 'string' || typeof value === 'number') {
    leaves.push(value);
    return typeof value === 'string' ? 's' : 'n';
  }
  return value === null ? 'z' : value ? 't' : 'f';
}

// The filter with each string and number replaced by `stand()`, in `shapeOf` order.
function replaced(node: NormalizedCondition, stand: () => string | number): NormalizedCondition {
  const swap = (value: Scalar) =>
    typeof value === 'string' || typeof value === 'number' ? stand() : value;
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, items: node.items.map((item) => replaced(item, stand)) };
    case 'not':
      return { op: 'not', item: replaced(node.item, stand) };
    case 'in':
    case 'nin':
      return { op: node.op, path: node.path, values: node.values.map(swap) };
    case 'exists':
      return node;
    case 'eq':
    case 'ne':
      return { op: node.op, path: node.path, value: swap(node.value) };
    default:
      return { op: node.op, path: node.path, value: swap(node.value) as string | number };
  }
}
