import { randomUUID } from 'node:crypto';
import type { StoredDocument } from '../backends/kit/backend.js';
import { validateVersion } from '../concurrency/check.js';
import { InvalidArgumentError, InvalidIdError } from '../core/errors.js';
import { optionsObject, safeDescribe } from '../core/json.js';
import type { DocumentMetadata, Version, VersionKind } from '../core/metadata.js';
import type { StandardSchemaV1 } from '../core/standard-schema.js';
import {
  type IndexDeclaration,
  type IndexSpec,
  normalizeIndexes,
  type UniqueDeclaration,
} from '../query/indexes.js';
import { type HistoryOptions, historyOptions, sameHistory } from './history.js';
import { runSchema } from './schema.js';
import { FORBIDDEN_KEYS, serializeDocument, validateId } from './validate.js';

/** How a collection maps entities to stored documents. */
export interface CollectionOptions<T extends object = Record<string, unknown>> {
  /** Which metadata field is the public version: `'revision'` (default) or `'token'`. */
  version?: VersionKind;
  /**
   * A field of the entity that holds its version: filled on every load and after every
   * save, read when an entity the session never loaded is stored. Never stored in the
   * document body itself. Default: none.
   */
  versionField?: keyof T & string;
  /** The field holding the document id. Default `'id'`. */
  idField?: keyof T & string;
  /**
   * Indexes the database keeps of fields of the collection's live documents, each field
   * with the type of value it holds (`'string'` when not said; documents whose field holds
   * another type are left out of it): `[{ field: 'total', type: 'number' },
   * { fields: ['status', 'customer.id'] }]`. Created before the collection is first used,
   * dropped when no longer declared (`indexes: []` drops them all; a collection that
   * declares neither `indexes` nor `unique` leaves the ones it finds alone); queries are
   * written so that they can use them (see `explain()` and docs/queries.md).
   */
  indexes?: readonly IndexDeclaration<T>[];
  /**
   * Fields whose values no two live documents may share, enforced by the database through a
   * unique index: `['email']`, or several unique together: `[['tenantCode', 'sku']]`
   * (each field a path or `{ field, type }`, strings by default). A write that would break
   * one throws `UniqueConstraintError`. Documents missing a field (or holding another type
   * of value there) are not constrained; deleted documents do not count.
   */
  unique?: readonly UniqueDeclaration<T>[];
  /**
   * A Standard Schema (zod, valibot, arktype, …) every document of the collection must
   * pass: each write validates the document it is about to send and stores the schema's
   * output (a `ValidationError` otherwise, nothing written), and each read returns what
   * the schema makes of the stored JSON. `Date`s in the output are stored as ISO strings,
   * so a schema that revives them (`z.coerce.date()`) reads them back as `Date`s. The
   * schema sees the document with its id field and without its version field. See
   * docs/schemas.md.
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * Keep the revisions of each document: `{ keep: N }` the newest N, `{ keepFor: ms }`
   * those younger than that. Each write records its revision in the same statement or
   * transaction as the document. Off by default. See docs/history.md.
   */
  history?: HistoryOptions;
}

/** The document type of a collection validated by `S`: the schema's output. */
export type SchemaDocument<S extends StandardSchemaV1> =
  StandardSchemaV1.InferOutput<S> extends infer O extends object ? O : never;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * A typed handle on one collection, made by `store.collection<T>(name, options)`. It
 * carries the mapping between entities of type `T` and stored JSON.
 */
export class Collection<T extends object = Record<string, unknown>> {
  readonly name: string;
  readonly versionKind: VersionKind;
  readonly versionField: string | undefined;
  readonly idField: string;
  /** The indexes and unique constraints declared, validated. */
  readonly indexes: readonly IndexSpec[];
  /**
   * True when the collection declares `indexes` or `unique` (even empty): the store then
   * makes exactly those indexes and drops the others noclobber made. A collection that
   * declares neither leaves the indexes it finds alone (another process may own them).
   */
  readonly managesIndexes: boolean;
  /** The schema every document passes, if the collection has one. */
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  /** The revision history the collection keeps, if any. */
  readonly history: HistoryOptions | undefined;

  constructor(name: string, options: CollectionOptions<T> = {}) {
    optionsObject(options, 'collection()');
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new InvalidArgumentError(
        `A collection name is 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit; got ${safeDescribe(name)}`,
      );
    }
    const versionKind = options.version ?? 'revision';
    if (versionKind !== 'revision' && versionKind !== 'token') {
      throw new InvalidArgumentError(
        `version is 'revision' or 'token', got ${safeDescribe(versionKind)}`,
      );
    }
    const idField = options.idField ?? 'id';
    for (const field of [idField, options.versionField]) {
      if (
        field !== undefined &&
        (typeof field !== 'string' || field === '' || FORBIDDEN_KEYS.has(field))
      ) {
        throw new InvalidArgumentError(`Invalid field name ${safeDescribe(field)}`);
      }
    }
    if (options.versionField === idField) {
      throw new InvalidArgumentError('The version field and the id field must differ');
    }
    const schema = options.schema;
    if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
      throw new InvalidArgumentError(
        'schema is a Standard Schema (zod, valibot, arktype, …): an object with ~standard.validate',
      );
    }
    this.name = name;
    this.versionKind = versionKind;
    this.versionField = options.versionField;
    this.idField = idField;
    this.indexes = normalizeIndexes(name, options.indexes, options.unique);
    this.managesIndexes = options.indexes !== undefined || options.unique !== undefined;
    this.schema = schema;
    this.history = historyOptions(options.history);
  }

  /** True when both handles describe the same mapping. */
  sameAs(other: Collection<object>): boolean {
    return (
      this.name === other.name &&
      this.versionKind === other.versionKind &&
      this.versionField === other.versionField &&
      this.idField === other.idField &&
      this.indexes.map((i) => i.name).join() === other.indexes.map((i) => i.name).join() &&
      this.managesIndexes === other.managesIndexes &&
      this.schema === other.schema &&
      sameHistory(this.history, other.history)
    );
  }

  /** The stored document as an entity, its id and version fields filled in. */
  toEntity(id: string, stored: StoredDocument): T {
    const entity = JSON.parse(stored.body) as Record<string, unknown>;
    entity[this.idField] = id;
    this.setVersion(entity, stored.metadata);
    return entity as T;
  }

  /**
   * The stored document as an entity, as reads return it: `toEntity`, and for a
   * collection with a schema, what the schema makes of it (a `ValidationError` with
   * `stage: 'read'` when the stored document does not fit). Answers at once without a schema.
   */
  entityOf(id: string, stored: StoredDocument): T | Promise<T> {
    if (this.schema === undefined) return this.toEntity(id, stored);
    const entity = JSON.parse(stored.body) as Record<string, unknown>;
    entity[this.idField] = id;
    // A refusal is a rejection, never a throw, as callers map documents to promises.
    const read = async () => {
      const output = await this.#validate(entity, id, 'read');
      this.setVersion(output, stored.metadata);
      return output;
    };
    return read();
  }

  /**
   * The document a write of `entity` stores: for a collection with a schema, the schema's
   * output for the entity without its version field (a `ValidationError` when it refuses),
   * its id field set to `id`; without a schema, the entity itself. Answers at once (or
   * throws) when the schema does, so the caller can serialize the output before anyone
   * changes it (see `runSchema`).
   */
  validated(entity: object, id: string): T | Promise<T> {
    if (this.schema === undefined) return entity as T;
    let input = entity as Record<string, unknown>;
    if (this.versionField !== undefined && Object.hasOwn(input, this.versionField)) {
      const { [this.versionField]: _version, ...rest } = input;
      input = rest;
    }
    return this.#validate(input, id, 'write');
  }

  #validate(input: object, id: string, stage: 'read' | 'write'): T | Promise<T> {
    const where = { collection: this.name, id, stage };
    const withId = (output: T) => {
      (output as Record<string, unknown>)[this.idField] = id;
      return output;
    };
    const output = runSchema(this.schema as StandardSchemaV1<unknown, T>, input, where);
    return output instanceof Promise ? output.then(withId) : withId(output);
  }

  /** Writes the public version of `metadata` into the entity's version field, if it has one. */
  setVersion(entity: object, metadata: DocumentMetadata): void {
    if (this.versionField !== undefined) {
      (entity as Record<string, unknown>)[this.versionField] = metadata[this.versionKind];
    }
  }

  /** The entity's id; with `generate`, a missing id is made and written into the entity. */
  idOf(entity: object, generate = false): string {
    const record = entity as Record<string, unknown>;
    const id = record[this.idField];
    if ((id === undefined || id === null) && generate) {
      const made = randomUUID();
      record[this.idField] = made;
      return made;
    }
    return validateId(id);
  }

  /**
   * The id and carried version of a delete's target: an id string, or an entity whose
   * version field (if any) is the version its writer saw.
   */
  target(idOrEntity: unknown): { id: string; version: Version | undefined } {
    if (typeof idOrEntity === 'string') return { id: validateId(idOrEntity), version: undefined };
    if (typeof idOrEntity !== 'object' || idOrEntity === null || Array.isArray(idOrEntity)) {
      throw new InvalidIdError(`Expected an id or an entity, got ${safeDescribe(idOrEntity)}`);
    }
    return { id: this.idOf(idOrEntity), version: this.versionOf(idOrEntity) };
  }

  /** The version the entity carries, or `undefined` when its version field is empty. */
  versionOf(entity: object): Version | undefined {
    if (this.versionField === undefined) return undefined;
    const value = (entity as Record<string, unknown>)[this.versionField];
    if (value === undefined || value === null || value === '' || value === 0) return undefined;
    return validateVersion(value, this.versionKind);
  }

  /** The JSON text stored for the entity. */
  serialize(entity: unknown, maxBytes: number): string {
    return serializeDocument(entity, {
      versionField: this.versionField,
      maxBytes,
      dates: this.schema !== undefined,
    });
  }
}
