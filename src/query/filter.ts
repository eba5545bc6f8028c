import type {
  Condition,
  FieldOperators,
  NormalizedCondition,
  Scalar,
} from '../concurrency/condition.js';
import { normalizeCondition } from '../concurrency/condition.js';
import { InvalidConditionError } from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';

/** Depths left, indexed by the current one: `Path` reaches three levels below the top. */
export type PathDepth = [never, 0, 1, 2];

/**
 * The dotted field paths of `T` a filter or a sort may name: its keys, and the keys of the
 * objects under them (`'customer.tier'`), down to four segments; an array's items by index
 * (`'lines.0.sku'`). Any string when `T` has an index signature.
 */
export type Path<T, Depth extends number = 3> = [Depth] extends [never]
  ? never
  : T extends readonly (infer Item)[]
    ? `${number}` | `${number}.${Path<NonNullable<Item>, PathDepth[Depth]>}`
    : T extends object
      ? {
          [K in keyof T & string]:
            | K
            | (NonNullable<T[K]> extends object
                ? `${K}.${Path<NonNullable<T[K]>, PathDepth[Depth]>}`
                : never);
        }[keyof T & string]
      : never;

/** The paths a query on `T` may name: `Path<T>`, or any string when `T` names no fields. */
export type FieldPath<T> =
  string extends Path<T> ? string : [Path<T>] extends [never] ? string : Path<T>;

/** One step of a path in `T`: an array's item for a numeric segment, else the key's value. */
export type PathStep<T, K extends string> = T extends readonly (infer Item)[]
  ? K extends `${number}`
    ? Item
    : never
  : K extends keyof T
    ? T[K]
    : never;

/** The type of the value `P` addresses in `T` (`undefined` where a field is optional). */
export type PathValue<T, P extends string> = P extends keyof T & string
  ? T[P]
  : P extends `${infer K}.${infer Rest}`
    ? PathValue<NonNullable<PathStep<T, K>>, Rest>
    : PathStep<T, P>;

/** A number or string literal widened to its type, as range operators take it. */
export type OrderedScalar<S> = S extends string ? string : S extends number ? number : never;

/** Operators on a field whose scalar values are `S` (see `FieldOperators`). */
export interface TypedOperators<S extends Scalar> {
  $eq?: S;
  $ne?: S;
  $in?: readonly S[];
  $nin?: readonly S[];
  $gt?: OrderedScalar<S>;
  $gte?: OrderedScalar<S>;
  $lt?: OrderedScalar<S>;
  $lte?: OrderedScalar<S>;
  $exists?: boolean;
}

/**
 * The value a field of type `V` holds as stored JSON, as the database compares it: a
 * `Date` (in a collection whose schema revives dates) is stored as its ISO 8601 string.
 */
export type StoredValue<V> = V extends Date ? string : V;

/**
 * What a filter may say of a field whose value is `V`: a scalar of its type (equality) or
 * operators on it, a `Date` field taking ISO strings; only `$exists` for a field that
 * holds no scalar (an object or array).
 */
export type FieldTest<V> = unknown extends V
  ? Scalar | FieldOperators
  : [Extract<StoredValue<V>, Scalar>] extends [never]
    ? { $exists?: boolean }
    : Extract<StoredValue<V>, Scalar> | TypedOperators<Extract<StoredValue<V>, Scalar>>;

/** A filter on documents of a type with known fields: its paths only, each with values of its type. */
export type TypedFilter<T> = { [P in Path<T>]?: FieldTest<PathValue<T, P>> } & {
  $and?: readonly TypedFilter<T>[];
  $or?: readonly TypedFilter<T>[];
  $not?: TypedFilter<T>;
};

/**
 * Which documents a query returns: the condition language of checks (see `Condition`),
 * typed by the collection's document type as far as TypeScript can say it. For a type
 * with an index signature (the default `Record<string, unknown>`) or none named (a
 * collection given by name), any `Condition`.
 * `{}` matches every document.
 *
 * @example store.find(orders, { status: 'open', total: { $gte: 10 }, 'customer.id': 42 })
 */
export type Filter<T> =
  string extends Path<T> ? Condition : [Path<T>] extends [never] ? Condition : TypedFilter<T>;

/**
 * Validates a query's filter: `null` for `{}` (every document), else the normalized
 * condition. Throws `InvalidConditionError` as `normalizeCondition` does.
 */
export function normalizeFilter(filter: unknown): NormalizedCondition | null {
  if (filter === undefined) return null;
  if (!isPlainObject(filter)) {
    throw new InvalidConditionError(`A filter is an object, got ${safeDescribe(filter)}`);
  }
  if (Object.values(filter).every((value) => value === undefined)) return null;
  return normalizeCondition(filter);
}
