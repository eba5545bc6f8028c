import { createHash } from 'node:crypto';
import { parsePath } from '../concurrency/condition.js';
import { arrayIndexOf } from '../concurrency/condition-path.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';
import type { FieldPath } from './filter.js';

/** The JSON type an index keeps of a field: documents whose field holds another type are left out of it. */
export type IndexValueType = 'string' | 'number' | 'boolean';

/** One field of an index: a path, and the type of value it indexes (default `'string'`). */
export interface IndexField<T> {
  readonly field: FieldPath<T>;
  readonly type?: IndexValueType;
}

/** A field of an index or unique constraint: a path (its values indexed as strings), or `{ field, type }`. */
export type IndexKey<T> = FieldPath<T> | IndexField<T>;

/**
 * An index declared on a collection: one field (`{ field: 'total', type: 'number' }`) or
 * several, the first deciding first (`{ fields: ['status', 'customer.id'] }`). Paths
 * name object keys only (no segment that is an array index such as `lines.0`).
 */
export type IndexDeclaration<T> = IndexField<T> | { readonly fields: readonly IndexKey<T>[] };

/** A unique constraint: one field (`'email'`), or several that are unique together (`['tenantCode', 'sku']`). */
export type UniqueDeclaration<T> = IndexKey<T> | readonly IndexKey<T>[];

/** A validated index field, as backends compile it. */
export interface IndexSpecField {
  readonly path: readonly string[];
  readonly type: IndexValueType;
}

/**
 * A validated index: its fields, whether it is unique, and its name in the database
 * (`nc_ix_…` or `nc_ux_…`: a digest of the collection, then one of the fields), so that
 * any collection name makes a safe name and the indexes of a collection are found by prefix.
 */
export interface IndexSpec {
  readonly name: string;
  readonly fields: readonly IndexSpecField[];
  readonly unique: boolean;
}

/** Most fields one index may have. */
export const MAX_INDEX_FIELDS = 8;
/** Most indexes (unique ones included) one collection may declare. */
export const MAX_INDEXES = 32;

const TYPES = new Set<unknown>(['string', 'number', 'boolean']);

const digest = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** The prefix of the names of a collection's indexes, after `nc_ix_` or `nc_ux_`. */
export function indexPrefix(collection: string): string {
  return `${digest(collection, 10)}_`;
}

function fieldOf(key: unknown): IndexSpecField {
  const field = isPlainObject(key) ? key.field : key;
  const type = (isPlainObject(key) ? key.type : undefined) ?? 'string';
  if (typeof field !== 'string') {
    throw new InvalidArgumentError(
      `An index field is a path or { field, type }, got ${safeDescribe(key)}`,
    );
  }
  if (!TYPES.has(type)) {
    throw new InvalidArgumentError(
      `An index field's type is 'string', 'number' or 'boolean', got ${safeDescribe(type)}`,
    );
  }
  const path = parsePath(field);
  if (path.some((segment) => arrayIndexOf(segment) !== undefined)) {
    throw new InvalidArgumentError(
      `An index path names object keys only, not array items: ${JSON.stringify(field)}`,
    );
  }
  return { path, type: type as IndexValueType };
}

function specOf(collection: string, keys: readonly unknown[], unique: boolean): IndexSpec {
  if (keys.length === 0 || keys.length > MAX_INDEX_FIELDS) {
    throw new InvalidArgumentError(`An index has 1 to ${MAX_INDEX_FIELDS} fields`);
  }
  const fields = keys.map(fieldOf);
  const kind = unique ? 'nc_ux_' : 'nc_ix_';
  const name = `${kind}${indexPrefix(collection)}${digest(JSON.stringify(fields), 16)}`;
  return { name, fields, unique };
}

/**
 * Validates a collection's `indexes` and `unique` options into the indexes a backend
 * keeps (duplicates once). Throws `InvalidArgumentError` on anything else.
 */
export function normalizeIndexes(
  collection: string,
  indexes: unknown = [],
  unique: unknown = [],
): IndexSpec[] {
  if (!Array.isArray(indexes) || !Array.isArray(unique)) {
    throw new InvalidArgumentError('indexes and unique are arrays');
  }
  const specs = [
    ...indexes.map((index: unknown) => {
      if (isPlainObject(index) && Array.isArray(index.fields)) {
        return specOf(collection, index.fields, false);
      }
      if (isPlainObject(index) && index.field !== undefined) {
        return specOf(collection, [index], false);
      }
      throw new InvalidArgumentError(
        `An index is { field, type } or { fields: [...] }, got ${safeDescribe(index)}`,
      );
    }),
    ...unique.map((keys: unknown) => specOf(collection, Array.isArray(keys) ? keys : [keys], true)),
  ];
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  if (byName.size > MAX_INDEXES) {
    throw new InvalidArgumentError(`A collection declares at most ${MAX_INDEXES} indexes`);
  }
  return [...byName.values()];
}

/** The path of an index field as a filter names it (`'customer.id'`). */
export const fieldName = (field: IndexSpecField): string => field.path.join('.');
