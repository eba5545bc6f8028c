import type { Backend, WriteOutcome } from '../backends/kit/backend.js';
import type { Check, NormalizedCheck } from '../concurrency/check.js';
import { ConflictRates, KeyedQueue } from '../concurrency/contention.js';
import type { MergeOptions } from '../concurrency/merge.js';
import { normalizeOperations, type Operations } from '../concurrency/operations.js';
import {
  DEFAULT_MAX_PATCH_OPERATIONS,
  type DocumentPatch,
  documentPatcher,
  type PatchLimits,
} from '../concurrency/patch.js';
import {
  type OnStale,
  Policies,
  type PolicyConfig,
  type PolicyOptions,
} from '../concurrency/policy.js';
import { writeCheck } from '../concurrency/write-check.js';
import {
  ConcurrencyError,
  InvalidArgumentError,
  StoreClosedError,
  UnknownCollectionError,
} from '../core/errors.js';
import { hasControlCharacter, isPlainObject, optionsObject } from '../core/json.js';
import type { DocumentMetadata, Version } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';
import type { StandardSchemaV1 } from '../core/standard-schema.js';
import type { Hooks } from '../observe/hooks.js';
import type { Filter } from '../query/filter.js';
import { DEFAULT_PAGE_BYTES } from '../query/query.js';
import { appliedDocument } from './applied-document.js';
import { BackendRuntime } from './backend-runtime.js';
import { type BulkOptions, type BulkResult, writeWhere } from './bulk.js';
import type { Change, ChangesPage } from './change.js';
import { Collection, type CollectionOptions, type SchemaDocument } from './collection.js';
import { commitPlanned, landedOf } from './commit.js';
import { type CollectionRef, type Runtime, readDocuments, type StoreContext } from './context.js';
import { Queries } from './find.js';
import { Indexing } from './indexing.js';
import { planInserts } from './insert-many.js';
import { policyFor } from './policy-for.js';
import { observerOf } from './resolve-batch.js';
import {
  type HistoryPage,
  type HistoryQuery,
  type Revision,
  readHistory,
  readRevision,
} from './revisions.js';
import { jsonCopy, refuseOperations } from './schema.js';
import { DocumentSession, QuerySession, type SessionOptions } from './session.js';
import { type MergedFrom, mergeStale, staleMergeOf } from './stale-merge.js';
import { type Mutation, runUpdate, type Saved, type UpdateOptions } from './update.js';
import { validateId } from './validate.js';
import { type WatchOptions, watchChanges } from './watch.js';
import { type WriteLogOptions, WriteLogPruner } from './write-log-pruner.js';
import {
  type PlannedWrite,
  planApply,
  planCheckedPut,
  planDelete,
  type WriteScope,
} from './writes.js';

/** Options of a `DocumentStore`. */
export interface DocumentStoreOptions {
  /** The database, e.g. `new SqliteBackend({ filename: 'app.db' })`. */
  backend: Backend;
  /** The tenant every operation runs in. Default `'default'`. */
  tenant?: string;
  /**
   * Recorded as `lastModifiedBy` on writes that name no actor of their own: at most 256
   * characters, well-formed Unicode without control characters.
   */
  actor?: string;
  /** Largest document accepted, in bytes of JSON. Default 16 MiB. */
  maxDocumentBytes?: number;
  /** Most operations one JSON Patch given to `patch()` may hold. Default 1,000. */
  maxPatchOperations?: number;
  /** Rules choosing checks, retries, resolvers and contention handling per operation. */
  policies?: Policies;
  /** Callbacks on conflicts, retries, resolutions and give-ups. */
  hooks?: Hooks;
  /** What policies see as `ctx.environment`, e.g. `'production'`. */
  environment?: string;
  /** How long the record of each committed write is kept (see `WriteLogOptions`). */
  writeLog?: WriteLogOptions;
}

/** Options of a one-call write. */
export interface WriteOptions extends PolicyOptions {
  /** The check the write carries; see `Check`. The default depends on the operation. */
  check?: Check;
  /** Recorded as `lastModifiedBy` (as the store's `actor` option). */
  actor?: string;
}

/** Options of `put()`: a write's options, and what a stale version check does. */
export interface PutOptions extends WriteOptions {
  /**
   * What to do when the check's version is older than the stored one: `'fail'` (default,
   * or what the policies say) throws `ConcurrencyError`; `'merge'` merges the write with
   * the changes made since, on the server, using the collection's history (see `OnStale`).
   */
  onStale?: OnStale;
  /** How `onStale: 'merge'` merges (array identities, `onConflict`); over the policies' `merge`. */
  merge?: MergeOptions;
}

/** What `put()` did: a `WriteResult`, and for a stale write that was merged, what it joined. */
export type PutResult<T> = WriteResult | (Written & { readonly merged: MergedFrom<T> });

/** A write that landed: the document's id, new version and metadata. */
export interface Written {
  readonly id: string;
  readonly written: true;
  readonly version: Version;
  readonly metadata: DocumentMetadata;
}

/** What `apply()` did: the write, and the document its operations made. */
export interface Applied<T> extends Written {
  /**
   * The document as stored after the operations, its id and version fields filled in.
   * `null` only when the write's reply was lost after it committed and another write
   * changed the document before the write log was read: the operations landed, once, as
   * `metadata` says, but what they made is no longer stored.
   */
  readonly document: T | null;
}

/** Options of `apply()`: a check that never inserts (not `mustNotExist` or a revision check). */
export type ApplyOptions = WriteOptions;

export type { Change, ChangesPage } from './change.js';

/** What a write did: `written: false` only for a `tryRevisionAbove` miss or an idempotent delete. */
export type WriteResult = Written | { readonly id: string; readonly written: false };

/** A check whose miss is never silent: every check but `tryRevisionAbove`. */
export type LandingCheck = Exclude<Check, { tryRevisionAbove: number }>;

const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** State shared by a store and the tenant views made from it. */
interface Shared {
  readonly backend: BackendRuntime;
  readonly pruner: WriteLogPruner;
  readonly collections: Map<string, Collection<object>>;
  readonly runtime: Runtime;
  migration: Promise<void> | undefined;
  // Set once the migration succeeded: a call then need not wait on it.
  migrated: boolean;
  readonly indexing: Indexing;
  closed: boolean;
}

/** What layers above the store (event streams, HTTP, testing) reach that users do not. */
interface Internals {
  readonly context: StoreContext;
  readonly update: <T extends object>(
    collection: CollectionRef<T>,
    id: string,
    mutate: Mutation<T>,
    options: UpdateOptions<T>,
  ) => Promise<Saved<T>>;
  readonly patch: <T extends object>(
    collection: CollectionRef<T>,
    id: string,
    patch: DocumentPatch,
    options: UpdateOptions<T>,
  ) => Promise<Saved<T>>;
  readonly put: <T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    check: LandingCheck,
  ) => Promise<Written>;
}

// Kept beside each store rather than as members, so that none shows in its public type.
const internals = new WeakMap<DocumentStoreBase, Internals>();

const internalsOf = (store: DocumentStoreBase): Internals => internals.get(store) as Internals;

/** The context a store runs its operations in: for layers above the store, never for users. */
export function contextOf(store: DocumentStoreBase): StoreContext {
  return internalsOf(store).context;
}

/** `store.update()`, returning what it saved: document, metadata and the revision it was made on. */
export function updateSaved<T extends object>(
  store: DocumentStoreBase,
  collection: CollectionRef<T>,
  id: string,
  mutate: Mutation<T>,
  options: UpdateOptions<NoInfer<T>> = {},
): Promise<Saved<T>> {
  return internalsOf(store).update(collection, id, mutate, options);
}

/** `store.patch()`, returning what it saved (see `updateSaved`). */
export function patchSaved<T extends object>(
  store: DocumentStoreBase,
  collection: CollectionRef<T>,
  id: string,
  patch: DocumentPatch,
  options: UpdateOptions<NoInfer<T>> = {},
): Promise<Saved<T>> {
  return internalsOf(store).patch(collection, id, patch, options);
}

/** `store.put()` with a check that lands or fails, never silently: what it wrote. */
export function putLanding<T extends object>(
  store: DocumentStoreBase,
  collection: CollectionRef<T>,
  entity: T,
  check: LandingCheck,
): Promise<Written> {
  return internalsOf(store).put(collection, entity, check);
}

/**
 * Documents: declares collections, runs one-call operations and opens sessions. Every
 * write carries exactly one check; none overwrites a document by accident. Applications
 * use `DocumentStore`, which is this and event streams (`store.events`).
 */
export class DocumentStoreBase extends Queries {
  readonly #shared: Shared;
  readonly #scope: WriteScope;
  readonly #context: StoreContext;
  readonly #patchLimits: Required<PatchLimits>;

  constructor(options: DocumentStoreOptions);
  /** @internal a tenant view sharing `shared`. */
  constructor(options: DocumentStoreOptions, shared: Shared);
  constructor(options: DocumentStoreOptions, shared?: Shared) {
    super();
    if (!isPlainObject(options) || typeof options.backend?.commit !== 'function') {
      throw new InvalidArgumentError('DocumentStore needs a backend, e.g. new SqliteBackend()');
    }
    const tenant = options.tenant ?? 'default';
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
      throw new InvalidArgumentError(
        `A tenant is 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit`,
      );
    }
    const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    if (!Number.isSafeInteger(maxDocumentBytes) || maxDocumentBytes < 2) {
      throw new InvalidArgumentError('maxDocumentBytes is a positive integer');
    }
    const maxPatchOperations = options.maxPatchOperations ?? DEFAULT_MAX_PATCH_OPERATIONS;
    if (!Number.isSafeInteger(maxPatchOperations) || maxPatchOperations < 1) {
      throw new InvalidArgumentError('maxPatchOperations is a positive integer');
    }
    this.#patchLimits = { maxDocumentBytes, maxPatchOperations };
    this.#shared = shared ?? {
      backend: new BackendRuntime(options.backend),
      pruner: new WriteLogPruner(options.writeLog),
      collections: new Map(),
      runtime: runtimeOf(options),
      migration: undefined,
      migrated: false,
      indexing: new Indexing(),
      closed: false,
    };
    this.#scope = { tenant, actor: actorOf(options.actor) ?? null, maxDocumentBytes };
    this.#context = this.#contextFor(this.#scope);
    internals.set(this, {
      context: this.#context,
      update: (collection, id, mutate, options) =>
        this.#update(collection, id, mutate, options, 'update'),
      patch: (collection, id, patch, options) => this.#patch(collection, id, patch, options),
      put: (collection, entity, check) => this.#putLanding(collection, entity, { check }, false),
    });
  }

  /** @internal */
  protected queryContext(): StoreContext {
    return this.#context;
  }

  /** What one patch may cost here: `maxDocumentBytes` and `maxPatchOperations`. */
  get patchLimits(): Required<PatchLimits> {
    return this.#patchLimits;
  }

  /** The tenant this store's operations run in. */
  get tenant(): string {
    return this.#scope.tenant;
  }

  /**
   * Declares a collection (or returns the one already declared with the same options).
   * Declaring a name twice with different options throws. With a `schema`, the
   * collection's document type is the schema's output (see docs/schemas.md); else it is
   * `T`, any JSON object when not given (never guessed from the fields the options name).
   */
  collection<S extends StandardSchemaV1<unknown, object>>(
    name: string,
    options: CollectionOptions<SchemaDocument<S>> & { schema: S },
  ): Collection<SchemaDocument<S>>;
  collection<T extends object = Record<string, unknown>>(
    name: string,
    // Only a schema says the type: an index or version field naming one field does not.
    options?: CollectionOptions<NoInfer<T>> & { schema?: StandardSchemaV1<unknown, T> },
  ): Collection<T>;
  collection<T extends object>(name: string, options?: CollectionOptions<T>): Collection<T> {
    return declare(this.#shared, new Collection<T>(name, options));
  }

  /** The collection declared under `name`, if any. */
  findCollection(name: string): Collection<Record<string, unknown>> | undefined {
    return this.#shared.collections.get(name) as Collection<Record<string, unknown>> | undefined;
  }

  /** The same store seen from another tenant: same backend and collections, isolated data. */
  withTenant(tenant: string): this {
    // Made by this store's own class, so a tenant view has whatever that class adds.
    const View = this.constructor as new (options: DocumentStoreOptions, shared: Shared) => this;
    return new View(
      {
        backend: this.#shared.backend.backend,
        tenant,
        ...(this.#scope.actor === null ? {} : { actor: this.#scope.actor }),
        maxDocumentBytes: this.#scope.maxDocumentBytes,
        maxPatchOperations: this.#patchLimits.maxPatchOperations,
      },
      this.#shared,
    );
  }

  /** Loads a document, or `null` when it does not exist. */
  async get<T extends object>(collection: CollectionRef<T>, id: string): Promise<T | null> {
    const c = this.#context.resolve(collection);
    const stored = (await readDocuments(this.#context, c, [validateId(id)])).get(id);
    return stored ? c.entityOf(id, stored) : null;
  }

  /** A document's metadata, or `null` when it does not exist. */
  async getMetadata<T extends object>(
    collection: CollectionRef<T>,
    id: string,
  ): Promise<DocumentMetadata | null> {
    const c = this.#context.resolve(collection);
    const stored = (await readDocuments(this.#context, c, [validateId(id)])).get(id);
    return stored?.metadata ?? null;
  }

  /**
   * A page of a document's kept revisions, newest first (a collection with `history`, see
   * docs/history.md): each with the document as that write left it (`null` for a delete).
   * Pass the page's `next` as `before` for older ones. `InvalidArgumentError` for a bad
   * `limit` (1 to 1,000, default 50) or `before`.
   */
  history<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    options?: HistoryQuery,
  ): Promise<HistoryPage<T>> {
    return readHistory(this.#context, collection, id, options);
  }

  /** One kept revision of a document, or `null` when the history holds none by that number. */
  getRevision<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    revision: number,
  ): Promise<Revision<T> | null> {
    return readRevision(this.#context, collection, id, revision);
  }

  /**
   * Inserts a new document (`mustNotExist`); an entity without an id gets a generated one.
   * Throws `DuplicateDocumentError` when the id is taken.
   */
  async insert<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: Omit<WriteOptions, 'check'> = {},
  ): Promise<Written> {
    optionsObject(options, 'insert()');
    return this.#putLanding(collection, entity, { ...options, check: 'mustNotExist' }, true);
  }

  /**
   * Inserts many new documents in one call, all or nothing: each gets what `insert()` gives
   * it (an id when it has none, schema validation, revision 1, a token, a seq, a write-log
   * record or revision row, a changes-feed entry, its declared and unique index entries),
   * and the version field of each entity is set. The documents are written in one
   * transaction, set-wise: on PostgreSQL one statement per chunk of up to 5,000 documents,
   * on SQLite multi-row inserts of up to 256 (see docs/store.md, "Inserting many").
   * Nothing is written when any fails: `DuplicateDocumentError` for one id already taken
   * (`BatchWriteError` listing each when several are), `UniqueConstraintError`,
   * `ValidationError` (before anything is sent), `InvalidArgumentError` for an id given
   * twice. Returns each document's id and new version, in input order. A call holds the
   * feed's gate until it commits (on PostgreSQL, feed readers see no later write until
   * then), so load a large set in calls of a few thousand to a few hundred thousand.
   *
   * @example
   * const written = await store.insertMany(orders, [{ id: 'o-1', total: 5 }, { id: 'o-2', total: 7 }]);
   */
  async insertMany<T extends object>(
    collection: CollectionRef<T>,
    entities: readonly T[],
    options: Omit<WriteOptions, 'check'> = {},
  ): Promise<Written[]> {
    const c = this.#context.resolve(collection) as Collection<object>;
    optionsObject(options, 'insertMany()');
    const check = this.#checkOf(
      c,
      'insert',
      { ...options, check: 'mustNotExist' },
      undefined,
      'mustNotExist',
    );
    const planned = await planInserts(this.#scopeFor(options.actor), c, entities, check);
    if (planned.length === 0) return [];
    await this.#context.ready([c.name]);
    const outcomes = await commitPlanned(this.#shared.backend, planned);
    return planned.map((p, i) => written(c, p, entities[i] as object, landedOf(p, outcomes[i])));
  }

  /**
   * Writes a document. Default check: the version in the entity's version field, or
   * `mustNotExist` when it is empty. Pass `check: 'none'` to overwrite on purpose.
   */
  async put<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: PutOptions = {},
  ): Promise<PutResult<T>> {
    return this.#put(collection, entity, optionsObject(options, 'put()'), false);
  }

  /**
   * Deletes a document, given its id or the entity. Default check: the entity's version,
   * else `mustExist` (a missing document throws `DocumentNotFoundError`); `check: 'none'`
   * makes deleting an absent document a silent no-op.
   */
  async delete<T extends object>(
    collection: CollectionRef<T>,
    idOrEntity: string | T,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const c = this.#context.resolve(collection);
    optionsObject(options, 'delete()');
    const { id, version } = c.target(idOrEntity);
    const check = this.#checkOf(c, 'delete', options, version, 'mustExist');
    const scope = this.#scopeFor(options.actor);
    const planned = planDelete(scope, c, id, check);
    const [outcome] = await this.#commitOne(planned);
    if (outcome?.status !== 'ok') return { id, written: false };
    return {
      id,
      written: true,
      version: outcome.metadata[c.versionKind],
      metadata: outcome.metadata,
    };
  }

  /**
   * Changes a live document by atomic operations (`$inc`, `$push`, … see `Operations`),
   * which the database applies to the stored document in the write's own statement, with
   * its check: no load, no conflict between writers that do not check versions. Default
   * check: `mustExist`. `check: { condition }` guards it (`{ stock: { $gte: 3 } }` before
   * `$inc: { stock: -3 }`), `check: { version }` makes it conditional on the version seen.
   * Throws `InvalidOperationsError` for malformed operations (before anything is sent),
   * `OperationTypeError` when they do not fit the stored document, `InvalidDocumentError`
   * when the result passes `maxDocumentBytes` (nothing written in either case), and as
   * any write does on a failed check. A collection with a schema refuses it: the database
   * makes the document, so nothing could validate it before it is stored; use `update()`.
   */
  async apply<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    operations: Operations<T>,
    options: ApplyOptions = {},
  ): Promise<Applied<T>> {
    const c = this.#context.resolve(collection);
    optionsObject(options, 'apply()');
    refuseOperations(c, 'apply()');
    validateId(id);
    const reserved = c.versionField === undefined ? [c.idField] : [c.idField, c.versionField];
    const normalized = normalizeOperations(operations, reserved);
    const check = this.#checkOf(c, 'update', options, undefined, 'mustExist');
    const planned = planApply(this.#scopeFor(options.actor), c, id, check, normalized);
    const [outcome] = await this.#commitOne(planned);
    const metadata = landedOf(planned, outcome);
    const body = outcome?.status === 'ok' ? outcome.body : undefined;
    const document = await appliedDocument(this.#context, c, id, metadata, body);
    return { id, written: true, version: metadata[c.versionKind], metadata, document };
  }

  /**
   * Changes every live document of a collection that `filter` matches by atomic operations
   * (as `apply()`), up to `limit` (default 1,000, at most 10,000) in id order, in one
   * statement that evaluates the filter against the rows it writes: a document another
   * writer changed meanwhile is judged as it then stands, so "book the seat if it is open"
   * never books one twice. Each document gets revision + 1, a new token and seq, and a
   * changes-feed entry. All or nothing: `OperationTypeError` (or `InvalidDocumentError`
   * past `maxDocumentBytes`) when the operations do not fit one of them, and nothing is
   * written. Returns the documents written with their new versions; `more` when `limit`
   * was reached. See docs/queries.md, "Conditional bulk writes".
   *
   * @example
   * await store.updateWhere(seats, { id: '12A', status: 'open' }, { $set: { status: 'booked' } });
   */
  async updateWhere<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    operations: Operations<NoInfer<T>>,
    options: BulkOptions = {},
  ): Promise<BulkResult> {
    const context = this.#contextFor(this.#scopeFor(options?.actor));
    const change = { op: 'apply', operations } as const;
    return writeWhere(context, collection, filter, change, options, 'updateWhere()');
  }

  /**
   * Deletes the live documents of a collection that `filter` matches, up to `limit` in id
   * order, as `updateWhere()` writes them: one statement, each a changes-feed entry.
   */
  async deleteWhere<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    options: BulkOptions = {},
  ): Promise<BulkResult> {
    const context = this.#contextFor(this.#scopeFor(options?.actor));
    return writeWhere(context, collection, filter, { op: 'delete' }, options, 'deleteWhere()');
  }

  /**
   * Load, change, save with a version check; on a conflict, reload and run `mutate` again,
   * with exponential backoff and jitter. `mutate` may change the document in place or
   * return a new one, and may run more than once: keep side effects out of it. Throws
   * `DocumentNotFoundError` at once if the document does not exist (never retried), and
   * `RetryExhaustedError` (with the last `ConcurrencyError` as `cause`) after the last attempt.
   */
  async update<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    mutate: Mutation<T>,
    options: UpdateOptions<NoInfer<T>> = {},
  ): Promise<T> {
    return (await this.#update(collection, id, mutate, options, 'update')).document;
  }

  /**
   * Patches a document: with a JSON Merge Patch (RFC 7396, an object: fields replace the
   * stored ones, `null` removes one, nested objects merge) or a JSON Patch (RFC 6902, an
   * array of operations, applied all or nothing; a failed `test` throws
   * `PatchTestFailedError`). Runs as `update()` (same retries and options; policies see
   * the operation `'patch'`), so a concurrent change is never overwritten: the patch is
   * applied again to the document as it then stands.
   */
  async patch<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    patch: DocumentPatch,
    options: UpdateOptions<NoInfer<T>> = {},
  ): Promise<T> {
    return (await this.#patch(collection, id, patch, options)).document;
  }

  /** A document with its metadata, or `null` when it does not exist. One read. */
  async getWithMetadata<T extends object>(
    collection: CollectionRef<T>,
    id: string,
  ): Promise<{ document: T; metadata: DocumentMetadata } | null> {
    const c = this.#context.resolve(collection);
    const stored = (await readDocuments(this.#context, c, [validateId(id)])).get(id);
    return stored ? { document: await c.entityOf(id, stored), metadata: stored.metadata } : null;
  }

  /**
   * Loads a document with an opaque token for offline edits (a form round trip):
   * send the token to a browser with the form, and save the edit later with
   * `{ check: { token } }`, which fails if anyone wrote the document in between. The token
   * reveals nothing but itself. `null` when the document does not exist.
   */
  async getWithToken<T extends object>(
    collection: CollectionRef<T>,
    id: string,
  ): Promise<{ document: T; token: string } | null> {
    const c = this.#context.resolve(collection);
    const stored = (await readDocuments(this.#context, c, [validateId(id)])).get(id);
    return stored ? { document: await c.entityOf(id, stored), token: stored.metadata.token } : null;
  }

  /**
   * The changes feed: documents of this tenant written (or deleted) after `since`, in
   * `seq` order, each once with its latest state. Start at 0; pass `last` on; an empty
   * page means no more changes. `collection` keeps one collection's (without declaring
   * it); a page holds at most `limit` changes and `maxBytes` of document JSON (default
   * 4 MiB), but always the first change, however large.
   */
  async changes(
    options: { since?: number; limit?: number; collection?: string; maxBytes?: number } = {},
  ): Promise<ChangesPage> {
    optionsObject(options, 'changes()');
    const { collection, maxBytes = DEFAULT_PAGE_BYTES } = options;
    // Checked as a declaration would check it, without declaring it.
    if (collection !== undefined) new Collection(collection);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new InvalidArgumentError('changes() maxBytes is a positive integer');
    }
    const since = options.since ?? 0;
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(since) || since < 0) {
      throw new InvalidArgumentError('changes() since is a non-negative integer');
    }
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new InvalidArgumentError('changes() limit is an integer from 1 to 10000');
    }
    // The feed needs the schema, no collection's indexes.
    await this.#context.ready([]);
    const rows = await this.#shared.backend.changes(this.#scope.tenant, since, limit, {
      maxBytes,
      ...(collection === undefined ? {} : { collection }),
    });
    const changes = rows.map((row) => ({
      collection: row.collection,
      id: row.id,
      deleted: row.deleted,
      document: row.body === null ? null : (JSON.parse(row.body) as Record<string, unknown>),
      // Rows may be shared with other readers of the same page: each gets its own copy.
      metadata: { ...row.metadata },
    }));
    return { changes, last: changes.at(-1)?.metadata.seq ?? since };
  }

  /**
   * Live changes: the changes feed after `since` (default 0: from the start), then each new
   * change as it commits, in `seq` order, never one skipped or repeated, until `signal`
   * aborts (the loop then ends without an error). Resume after a restart by passing the
   * `metadata.seq` of the last change handled. Writes through this process's stores wake
   * watchers at once; those of other processes are seen within `pollInterval` ms.
   *
   * @example
   * for await (const change of store.watch({ collection: 'orders', signal })) render(change);
   */
  watch(options: WatchOptions = {}): AsyncGenerator<Change, void, undefined> {
    return watchChanges(
      (since, collection, limit) =>
        this.changes({ since, limit, ...(collection === undefined ? {} : { collection }) }),
      this.#shared.backend.committed,
      options,
    );
  }

  /**
   * A unit of work that remembers the version of everything it loads and checks it on
   * `saveChanges()` (all or nothing). `{ tracking: 'dirty' }` also saves loaded documents
   * that changed without `store()`, and skips stored ones that did not change.
   */
  openSession(options: SessionOptions = {}): DocumentSession {
    optionsObject(options, 'openSession()');
    return new DocumentSession(this.#contextFor(this.#scopeFor(options.actor)), options);
  }

  /** A read-only session: loads, no tracking, no writes. */
  querySession(): QuerySession {
    return new QuerySession(this.#context);
  }

  /**
   * Migrates the database and brings the indexes of every collection declared so far to
   * what it declares, now instead of on first use (each call waits only for what it
   * touches). A server calls it before it takes requests, so a schema or index that cannot
   * be applied (a unique field the stored documents already repeat) stops it at once.
   */
  ready(): Promise<void> {
    return this.#context.ready([...this.#shared.collections.keys()]);
  }

  /** Closes the backend. Later calls on this store (and its tenant views) throw `StoreClosedError`. */
  async close(): Promise<void> {
    if (this.#shared.closed) return;
    this.#shared.closed = true;
    await this.#shared.migration?.catch(() => {});
    await this.#shared.indexing.idle();
    await this.#shared.pruner.stop();
    await this.#shared.backend.close();
  }

  async #update<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    mutate: Mutation<T>,
    options: UpdateOptions<T>,
    operation: 'update',
  ): Promise<Saved<T>> {
    const c = this.#context.resolve(collection);
    validateId(id);
    if (typeof mutate !== 'function') throw new InvalidArgumentError('update() needs a function');
    optionsObject(options, 'update()');
    const context = this.#contextFor(this.#scopeFor(options.actor));
    return runUpdate(context, c, id, mutate, options, operation);
  }

  async #patch<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    patch: DocumentPatch,
    options: UpdateOptions<T>,
  ): Promise<Saved<T>> {
    const c = this.#context.resolve(collection);
    validateId(id);
    optionsObject(options, 'patch()');
    const patcher = documentPatcher(patch, c, this.#patchLimits) as unknown as (document: T) => T;
    // A patch speaks of the stored JSON, so a validated collection's revived values (Dates)
    // are patched as the strings they are stored as; the schema sees the result.
    const apply = c.schema === undefined ? patcher : (document: T) => patcher(jsonCopy(document));
    const context = this.#contextFor(this.#scopeFor(options.actor));
    return runUpdate(context, c, id, apply, options, 'patch');
  }

  // What a put is to the policies, and what they decide for it, looked up once for both its
  // check and its `onStale`: an update when the writer names the version it saw (in the
  // entity's version field, or a version or token check), else an insert.
  #putPolicy(c: Collection<object>, entity: object, options: WriteOptions): PutPolicy {
    const seen =
      options.check === undefined && isPlainObject(entity) ? c.versionOf(entity) : undefined;
    const operation = seen !== undefined || pinsVersion(options.check) ? 'update' : 'insert';
    return { seen, operation, config: this.#policyFor(c, operation, options) };
  }

  // What the policies decide for a one-call write: its rules see the write's own actor, as
  // they do for update() and patch(), whose context carries it.
  #policyFor(c: Collection<object>, operation: Operation, options: WriteOptions): PolicyConfig {
    const scope = this.#scopeFor(options.actor);
    return policyFor({ runtime: this.#context.runtime, scope }, c.name, operation, options);
  }

  // Plans a put under its policy: its check (see `#checkOf`) and write; with `generateId`,
  // an entity without an id gets a new one.
  #planPut<T extends object>(
    c: Collection<T>,
    entity: T,
    options: WriteOptions,
    generateId: boolean,
    policy: PutPolicy,
  ): Promise<PlannedWrite> | PlannedWrite {
    const { operation, seen, config } = policy;
    const check = this.#checkOf(c, operation, options, seen, 'mustNotExist', config);
    const scope = this.#scopeFor(options.actor);
    const checked = planCheckedPut(scope, c as Collection<object>, entity, check, generateId);
    return checked instanceof Promise ? checked.then((put) => put.planned) : checked.planned;
  }

  async #put<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: PutOptions,
    generateId: boolean,
  ): Promise<PutResult<T>> {
    const c = this.#context.resolve(collection);
    const policy = this.#putPolicy(c, entity, options);
    const merge = staleMergeOf(policy.config, options);
    const put = this.#planPut(c, entity, options, generateId, policy);
    // Without a schema nothing waits before the commit starts, so close() finds it in flight.
    const planned = put instanceof Promise ? await put : put;
    let outcome: WriteOutcome | undefined;
    try {
      [outcome] = await this.#commitOne(planned);
    } catch (error) {
      if (merge === undefined || !(error instanceof ConcurrencyError)) throw error;
      const scope = this.#scopeFor(options.actor);
      const commit = (next: PlannedWrite) => this.#commitOne(next);
      const stale = { context: this.#context, scope, collection: c, planned, conflict: error };
      const { metadata, merged } = await mergeStale({ ...stale, options: merge, commit });
      const result = { id: planned.write.id, written: true, version: metadata[c.versionKind] };
      return { ...result, metadata, merged: merged as MergedFrom<T> } as const;
    }
    if (outcome?.status !== 'ok') return { id: planned.write.id, written: false };
    return written(c, planned, entity, outcome.metadata);
  }

  // A put whose check lands or fails (`landedOf`): an insert, or a put with a `LandingCheck`.
  async #putLanding<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: WriteOptions & { check: LandingCheck },
    generateId: boolean,
  ): Promise<Written> {
    const c = this.#context.resolve(collection);
    const put = this.#planPut(c, entity, options, generateId, this.#putPolicy(c, entity, options));
    const planned = put instanceof Promise ? await put : put;
    const [outcome] = await this.#commitOne(planned);
    return written(c, planned, entity, landedOf(planned, outcome));
  }

  // Commits one write, telling hooks and metrics of a conflict.
  async #commitOne(planned: PlannedWrite): Promise<WriteOutcome[]> {
    await this.#context.ready([planned.collection.name]);
    return commitPlanned(this.#shared.backend, [planned]).catch((error) => {
      if (error instanceof ConcurrencyError) {
        observerOf(this.#context, error, planned.write.op).conflict(1, error);
      }
      throw error;
    });
  }

  // The check of a one-call write under `config`, the operation's policy; the policies are
  // evaluated even when the caller names the check, so that rules see every operation.
  #checkOf(
    c: Collection<object>,
    operation: Operation,
    options: WriteOptions,
    seen: Version | undefined,
    fallback: 'mustNotExist' | 'mustExist',
    config: PolicyConfig = this.#policyFor(c, operation, options),
  ): NormalizedCheck {
    return writeCheck(config, c.versionKind, {
      operation,
      explicit: options.check,
      seen: { version: seen },
      fallback,
    });
  }

  #scopeFor(actor: string | undefined): WriteScope {
    const named = actorOf(actor);
    return named === undefined ? this.#scope : { ...this.#scope, actor: named };
  }

  #contextFor(scope: WriteScope): StoreContext {
    const shared = this.#shared;
    return {
      backend: shared.backend,
      scope,
      runtime: shared.runtime,
      resolve: <T extends object>(ref: CollectionRef<T>): Collection<T> => {
        // A handle made by another store is welcome here if its mapping agrees with ours.
        if (ref instanceof Collection) return declare(shared, ref);
        const found = typeof ref === 'string' ? shared.collections.get(ref) : undefined;
        if (!found) throw new UnknownCollectionError(String(ref));
        return found as Collection<T>;
      },
      ready: (names) => {
        if (shared.closed) return Promise.reject(new StoreClosedError());
        const declared = declaredOf(shared, names);
        if (shared.migrated && shared.indexing.isReady(declared)) return READY;
        // A failed migration is not cached, so the next call tries again.
        shared.migration ??= shared.backend.migrate().then(
          () => {
            shared.migrated = true;
            shared.pruner.start(shared.backend, () => shared.collections.values());
          },
          (error: unknown) => {
            shared.migration = undefined;
            throw error;
          },
        );
        return shared.migration.then(() =>
          shared.indexing.ready(shared.backend, declared, () => shared.closed),
        );
      },
    };
  }
}

const READY: Promise<void> = Promise.resolve();

// The declared collections among `names`; a name no store declared has no indexes to wait for.
function declaredOf(shared: Shared, names: readonly string[]): Collection<object>[] {
  return names.flatMap((name) => shared.collections.get(name) ?? []);
}

function declare<T extends object>(shared: Shared, candidate: Collection<T>): Collection<T> {
  const existing = shared.collections.get(candidate.name);
  if (existing === candidate) return candidate;
  if (!existing) {
    shared.collections.set(candidate.name, candidate as Collection<object>);
    return candidate;
  }
  if (!existing.sameAs(candidate as Collection<object>)) {
    throw new InvalidArgumentError(
      `Collection ${candidate.name} is already declared with other options`,
    );
  }
  return existing as Collection<T>;
}

function runtimeOf(options: DocumentStoreOptions): Runtime {
  if (options.policies !== undefined && !(options.policies instanceof Policies)) {
    throw new InvalidArgumentError('policies is a Policies object: new Policies().when(…).then(…)');
  }
  if (
    options.hooks !== undefined &&
    (typeof options.hooks !== 'object' || options.hooks === null)
  ) {
    throw new InvalidArgumentError('hooks is an object of callbacks');
  }
  if (options.environment !== undefined && typeof options.environment !== 'string') {
    throw new InvalidArgumentError('environment is a string');
  }
  return {
    policies: options.policies,
    hooks: options.hooks,
    environment: options.environment,
    queue: new KeyedQueue(),
    rates: new ConflictRates(),
  };
}

// PostgreSQL cannot store a NUL, and a lone surrogate would be stored as U+FFFD there and
// as itself on SQLite: an actor is refused before anything is sent rather than failing in
// the database or reading back otherwise.
function actorOf(actor: unknown): string | undefined {
  if (actor === undefined) return undefined;
  if (
    typeof actor !== 'string' ||
    actor.length > 256 ||
    hasControlCharacter(actor) ||
    !actor.isWellFormed()
  ) {
    throw new InvalidArgumentError(
      'An actor is a string of at most 256 characters, well-formed Unicode without control characters',
    );
  }
  return actor;
}

// What a landed put reports; the entity's version field (if any) gets the new version.
function written(
  c: Collection<object>,
  planned: PlannedWrite,
  entity: object,
  metadata: DocumentMetadata,
): Written {
  c.setVersion(entity, metadata);
  return { id: planned.write.id, written: true, version: metadata[c.versionKind], metadata };
}

// A put's operation as the policies see it, what the writer saw, and the policies' decision.
interface PutPolicy {
  readonly seen: Version | undefined;
  readonly operation: Operation;
  readonly config: PolicyConfig;
}

// A check that names the version the writer saw: the put it guards is an update.
const pinsVersion = (check: Check | undefined): boolean =>
  typeof check === 'object' && check !== null && ('version' in check || 'token' in check);
