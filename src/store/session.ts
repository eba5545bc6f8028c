import { isDeepStrictEqual } from 'node:util';
import type { FoundDocument } from '../backends/kit/backend.js';
import { type Check, type NormalizedCheck, normalizeCheck } from '../concurrency/check.js';
import type { MergeOptions } from '../concurrency/merge.js';
import {
  type NormalizedOperation,
  normalizeOperations,
  type Operations,
} from '../concurrency/operations.js';
import type {
  OnStale,
  PolicyConfig,
  PolicyOptions,
  PolicyResolver,
} from '../concurrency/policy.js';
import { type Resolver, threeWayMerge } from '../concurrency/resolvers.js';
import { type RetryOptions, type RetryPolicy, resolveRetry } from '../concurrency/retry.js';
import { writeCheck } from '../concurrency/write-check.js';
import { InvalidArgumentError, InvalidDocumentError } from '../core/errors.js';
import { isPlainObject, optionsObject, safeDescribe } from '../core/json.js';
import type { DocumentMetadata, Version } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';
import type { Filter } from '../query/filter.js';
import { type BulkChange, type BulkOptions, type BulkResult, writeWhere } from './bulk.js';
import type { Collection } from './collection.js';
import { type CollectionRef, readDocuments, type StoreContext } from './context.js';
import { Queries } from './find.js';
import { policyFor } from './policy-for.js';
import { commitResolving, type Resolvable } from './resolve-batch.js';
import {
  type HistoryPage,
  type HistoryQuery,
  type Revision,
  readHistory,
  readRevision,
} from './revisions.js';
import { refuseOperations } from './schema.js';
import { isStaleMerge, readAncestor, staleMergeOf, staleMergeResolver } from './stale-merge.js';
import { validateId } from './validate.js';
import { type PlannedWrite, planApply, planCheckedPut, planDelete } from './writes.js';

/** Options of `openSession()`; tags, flags and `policy` apply to every write it saves. */
export interface SessionOptions extends PolicyOptions {
  /**
   * `'identity'` (default): writes exactly what you `store()`, `insert()` or `delete()`.
   * `'dirty'`: also writes every loaded document that changed, and skips stored ones
   * that did not.
   */
  tracking?: 'identity' | 'dirty';
  /**
   * Check the version of every loaded document when it is saved. Default `true`.
   * `false` makes saves of loaded documents last-write-wins (`check: 'none'`).
   */
  optimistic?: boolean;
  /** Recorded as `lastModifiedBy` on this session's writes. */
  actor?: string;
  /**
   * Settles failed checks in `saveChanges()` instead of throwing: `threeWayMerge()`,
   * `lastWriteWins`, … (a policy's resolver applies when this is unset). The whole batch is
   * committed again with the resolved documents; nothing is written unless all land.
   */
  resolver?: PolicyResolver;
  /** How often `saveChanges()` resolves and tries again. Default: the retry defaults. */
  retry?: RetryOptions;
  /**
   * `'merge'`: a stored document whose check finds a newer version is three-way merged
   * with it (see `OnStale`), the base being the version this session loaded, or for a
   * document it did not load, the version its check names, read from the collection's
   * history. A `resolver` (here or in a policy) takes precedence.
   */
  onStale?: OnStale;
  /** How `onStale: 'merge'` merges (array identities, `onConflict`). */
  merge?: MergeOptions;
}

/** Options of one `saveChanges()`, over the session's. */
export interface SaveOptions {
  /** Settles failed checks of this save; see `SessionOptions.resolver`. */
  resolver?: PolicyResolver;
  /** How often this save resolves and tries again. */
  retry?: RetryOptions;
  /** Merges this save's stale writes; see `SessionOptions.onStale`. */
  onStale?: OnStale;
  /** How `onStale: 'merge'` merges; over the session's `merge`. */
  merge?: MergeOptions;
}

/** Options of a session's `updateWhere()` and `deleteWhere()`: the actor is the session's. */
export type SessionBulkOptions = Omit<BulkOptions, 'actor'>;

/** Options of a session write. */
export interface SessionWriteOptions {
  /** Overrides the check the session would choose. */
  check?: Check;
}

interface Tracked {
  readonly collection: Collection<object>;
  readonly id: string;
  entity: object;
  metadata: DocumentMetadata;
  /** The stored JSON as last loaded or saved: what dirty tracking compares with. */
  snapshot: string;
  /** The body as last loaded or saved: the `original` a resolver sees. */
  original: string;
}

interface Pending {
  readonly collection: Collection<object>;
  readonly id: string;
  readonly op: 'store' | 'insert' | 'delete';
  readonly entity: object | undefined;
  /** Fixed when the write is scheduled: what the writer saw then is what it must find. */
  readonly check: NormalizedCheck;
  /** No check was named, so dirty tracking may skip the write if nothing changed. */
  readonly implicit: boolean;
  /** Settles this write's conflict in `saveChanges()`, if anything does. */
  readonly resolver: Resolver<object> | undefined;
}

interface ScheduledApply {
  readonly collection: Collection<object>;
  readonly id: string;
  readonly operations: readonly NormalizedOperation[];
  readonly check: NormalizedCheck;
}

const keyOf = (collection: Collection<object>, id: string) => `${collection.name}\u0000${id}`;

/** A read-only session: loads documents without tracking them and cannot write. */
export class QuerySession extends Queries {
  /** @internal */
  protected readonly context: StoreContext;

  /** @internal Opened by `store.querySession()`. */
  constructor(context: StoreContext) {
    super();
    this.context = context;
  }

  /** Loads a document, or `null` when it does not exist. */
  async load<T extends object>(collection: CollectionRef<T>, id: string): Promise<T | null> {
    const [entity] = await this.loadMany(collection, [id]);
    return entity ?? null;
  }

  /** Loads several documents in one read; the result lines up with `ids`. */
  async loadMany<T extends object>(
    collection: CollectionRef<T>,
    ids: readonly string[],
  ): Promise<(T | null)[]> {
    const c = this.context.resolve(collection);
    if (!Array.isArray(ids)) throw new InvalidArgumentError('loadMany() takes an array of ids');
    const stored = await readDocuments(this.context, c, [...new Set(ids.map(validateId))]);
    return Promise.all(
      ids.map((id) => {
        const found = stored.get(id);
        return found ? c.entityOf(id, found) : null;
      }),
    );
  }

  /** A page of a document's kept revisions, newest first: as `store.history()`. */
  history<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    options?: HistoryQuery,
  ): Promise<HistoryPage<T>> {
    return readHistory(this.context, collection, id, options);
  }

  /** One kept revision of a document, or `null`: as `store.getRevision()`. */
  getRevision<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    revision: number,
  ): Promise<Revision<T> | null> {
    return readRevision(this.context, collection, id, revision);
  }

  /** @internal */
  protected queryContext(): StoreContext {
    return this.context;
  }
}

/**
 * A unit of work. It remembers the version of everything it loads and checks it on
 * `saveChanges()`, which writes everything in one transaction or nothing at all.
 */
export class DocumentSession extends QuerySession {
  readonly #dirty: boolean;
  readonly #optimistic: boolean;
  readonly #options: SessionOptions;
  readonly #retry: RetryPolicy;
  readonly #tracked = new Map<string, Tracked>();
  readonly #pending = new Map<string, Pending>();
  // Scheduled applies, apart from #pending: they carry no entity, and loads ignore them.
  readonly #applies = new Map<string, ScheduledApply>();
  // Which key each loaded or saved entity belongs to, so that an entity whose id field
  // was changed is refused instead of carrying one document's version to another.
  readonly #keyOfEntity = new WeakMap<object, string>();

  /** @internal Opened by `store.openSession()`. */
  constructor(context: StoreContext, options: SessionOptions = {}) {
    super(context);
    optionsObject(options, 'openSession()');
    if (
      options.tracking !== undefined &&
      options.tracking !== 'identity' &&
      options.tracking !== 'dirty'
    ) {
      throw new InvalidArgumentError(`tracking is 'identity' or 'dirty'`);
    }
    if (options.optimistic !== undefined && typeof options.optimistic !== 'boolean') {
      throw new InvalidArgumentError('optimistic is a boolean');
    }
    if (options.resolver !== undefined && typeof options.resolver !== 'function') {
      throw new InvalidArgumentError('resolver is a function');
    }
    this.#dirty = options.tracking === 'dirty';
    this.#optimistic = options.optimistic ?? true;
    this.#options = options;
    this.#retry = resolveRetry(options.retry);
  }

  /**
   * Loads documents and remembers their versions. A document already in the session is
   * returned as the same object, not reloaded: one stored in the session loads as the
   * stored entity, one deleted in the session as `null`.
   */
  override async loadMany<T extends object>(
    collection: CollectionRef<T>,
    ids: readonly string[],
  ): Promise<(T | null)[]> {
    const c = this.context.resolve(collection);
    if (!Array.isArray(ids)) throw new InvalidArgumentError('loadMany() takes an array of ids');
    ids.forEach(validateId);
    const known = (id: string) =>
      this.#tracked.has(keyOf(c, id)) || this.#pending.has(keyOf(c, id));
    const missing = [...new Set(ids.filter((id) => !known(id)))];
    const stored = await readDocuments(this.context, c, missing);
    const read = [...stored];
    const entities = await Promise.all(read.map(([id, found]) => c.entityOf(id, found)));
    read.forEach(([id, found], i) => {
      // Another call of this session may have loaded or stored it while we awaited the read.
      if (!known(id)) this.#track(c, id, entities[i] as object, found.metadata, found.body);
    });
    return ids.map((id) => {
      const key = keyOf(c, id);
      const pending = this.#pending.get(key);
      if (pending) return (pending.entity as T | undefined) ?? null;
      return (this.#tracked.get(key)?.entity as T | undefined) ?? null;
    });
  }

  /** @internal The documents of `c` this session deletes, not saved yet. */
  protected override leftOut(c: Collection<object>): ReadonlySet<string> {
    const deleted = new Set<string>();
    for (const pending of this.#pending.values()) {
      if (pending.collection.name === c.name && pending.entity === undefined) {
        deleted.add(pending.id);
      }
    }
    return deleted;
  }

  /**
   * Queries take part in the identity map: a document the session already holds comes back
   * as the session's object (one deleted in the session is left out), any other is
   * tracked from now on with the version the query read, as `load()` tracks it.
   */
  protected override async adopt(
    c: Collection<object>,
    found: FoundDocument,
  ): Promise<object | null> {
    const key = keyOf(c, found.id);
    const held = (): object | null | undefined => {
      const pending = this.#pending.get(key);
      if (pending) return pending.entity ?? null;
      return this.#tracked.get(key)?.entity;
    };
    const before = held();
    if (before !== undefined) return before;
    const entity = await c.entityOf(found.id, found);
    // Another call of this session may have taken it while the schema ran.
    const after = held();
    if (after !== undefined) return after;
    this.#track(c, found.id, entity, found.metadata, found.body);
    return entity;
  }

  /**
   * Schedules a write of `entity`. The check, unless given: the version this session
   * loaded it at; for a document it never loaded, the entity's version field, or
   * `mustNotExist` when that is empty. It is fixed here: loading the document again
   * before `saveChanges()` does not move it. An entity without an id gets a generated one.
   */
  store<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: SessionWriteOptions = {},
  ): void {
    this.#schedule(collection, entity, 'store', optionsObject(options, 'store()').check);
  }

  /** Schedules an insert (`mustNotExist`). */
  insert<T extends object>(collection: CollectionRef<T>, entity: T): void {
    this.#schedule(collection, entity, 'insert', 'mustNotExist');
  }

  /**
   * Schedules a delete, by id or entity. The check, unless given: the loaded version, the
   * entity's version field, else `mustExist`.
   */
  delete<T extends object>(
    collection: CollectionRef<T>,
    idOrEntity: string | T,
    options: SessionWriteOptions = {},
  ): void {
    const c = this.context.resolve(collection) as Collection<object>;
    const explicit = optionsObject(options, 'delete()').check;
    const { id, version } = c.target(idOrEntity);
    if (typeof idOrEntity === 'object') this.#refuseMovedEntity(c, idOrEntity, id);
    const { check } = this.#decide(c, id, 'delete', explicit, version);
    planDelete(this.context.scope, c, id, check); // refuses checks no delete can carry, now
    this.#pending.set(keyOf(c, id), {
      collection: c,
      id,
      op: 'delete',
      entity: undefined,
      check,
      implicit: explicit === undefined,
      resolver: undefined,
    });
  }

  /**
   * Schedules atomic operations on a live document (see `DocumentStore.apply()`), applied
   * by the database when `saveChanges()` commits, all or nothing with the session's other
   * writes. Check, unless given: `mustExist`. A document may take one apply per save and
   * no other write in the same save. A loaded copy of it is updated after the save.
   */
  apply<T extends object>(
    collection: CollectionRef<T>,
    id: string,
    operations: Operations<T>,
    options: SessionWriteOptions = {},
  ): void {
    const c = this.context.resolve(collection) as Collection<object>;
    const explicit = optionsObject(options, 'apply()').check;
    refuseOperations(c, 'apply()');
    validateId(id);
    const reserved = c.versionField === undefined ? [c.idField] : [c.idField, c.versionField];
    const normalized = normalizeOperations(operations, reserved);
    const check: NormalizedCheck =
      explicit === undefined ? { kind: 'mustExist' } : normalizeCheck(explicit, c.versionKind);
    planApply(this.context.scope, c, id, check, normalized); // refuses checks no apply can carry, now
    const key = keyOf(c, id);
    if (this.#applies.has(key) || this.#pending.has(key)) {
      throw new InvalidArgumentError(
        `${c.name}/${id} already has a write scheduled in this session`,
      );
    }
    this.#applies.set(key, { collection: c, id, operations: normalized, check });
  }

  /**
   * `store.updateWhere()` in this session's tenant and as its actor, run now: the filter is
   * evaluated by the database in the write itself, as there. It is not scheduled for
   * `saveChanges()` and not part of its transaction (see docs/sessions.md). A document the
   * session holds that the call wrote is reloaded into the same object with its new
   * version, unless the session has a write of it scheduled or it was changed in memory
   * since loaded: then it keeps the version it was loaded at, so saving it is checked
   * against the call's write and conflicts instead of undoing it.
   */
  async updateWhere<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    operations: Operations<NoInfer<T>>,
    options: SessionBulkOptions = {},
  ): Promise<BulkResult> {
    return this.#writeWhere(
      collection,
      filter,
      { op: 'apply', operations },
      options,
      'updateWhere()',
    );
  }

  /**
   * `store.deleteWhere()` in this session's tenant and as its actor, run now (see
   * `updateWhere()`). A deleted document the session holds is forgotten, as after a saved
   * delete; a write of it still pending is judged at `saveChanges()` as usual.
   */
  async deleteWhere<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    options: SessionBulkOptions = {},
  ): Promise<BulkResult> {
    return this.#writeWhere(collection, filter, { op: 'delete' }, options, 'deleteWhere()');
  }

  /** The metadata this session last saw for a document, or `null` if it never saw it. */
  getMetadata<T extends object>(
    collection: CollectionRef<T>,
    idOrEntity: string | T,
  ): DocumentMetadata | null {
    const c = this.context.resolve(collection) as Collection<object>;
    const id = typeof idOrEntity === 'string' ? idOrEntity : c.idOf(idOrEntity);
    return this.#tracked.get(keyOf(c, id))?.metadata ?? null;
  }

  /**
   * Writes every scheduled change (and, with dirty tracking, every changed loaded
   * document) in one transaction. All or nothing: on any failed check nothing is written,
   * the session keeps its changes, and the error lists every failed document. On success
   * the entities' version fields hold their new versions. Changes scheduled while it runs
   * wait for the next call.
   */
  async saveChanges(options: SaveOptions = {}): Promise<void> {
    optionsObject(options, 'saveChanges()');
    if (options.resolver !== undefined && typeof options.resolver !== 'function') {
      throw new InvalidArgumentError('resolver is a function');
    }
    const retry = options.retry === undefined ? this.#retry : resolveRetry(options.retry);
    const batch = [...this.#pending];
    const applies = [...this.#applies];
    const planned: PlannedWrite[] = [];
    const entities: (object | undefined)[] = [];
    const resolvables: (Resolvable | undefined)[] = [];
    const merge = staleMergeOf({}, options);
    const saveResolver = (options.resolver ?? (merge && staleMergeResolver(merge))) as
      | Resolver<object>
      | undefined;
    const add = (write: PlannedWrite, entity: object | undefined, named?: Resolver<object>) => {
      planned.push(write);
      entities.push(entity);
      resolvables.push(this.#resolvable(write, saveResolver ?? named));
    };
    for (const [key, pending] of batch) {
      const { collection: c, id, entity } = pending;
      if (this.#applies.has(key)) {
        throw new InvalidArgumentError(
          `${c.name}/${id} is both written and applied in this session`,
        );
      }
      if (entity === undefined) {
        add(planDelete(this.context.scope, c, id, pending.check), undefined);
        continue;
      }
      this.#refuseChangedId(c, entity, id);
      const put = planCheckedPut(this.context.scope, c, entity, pending.check);
      // Only a schema makes planning wait: without one the batch is planned in one go.
      const { planned: write } = put instanceof Promise ? await put : put;
      const unchanged = this.#tracked.get(key)?.snapshot === write.write.body;
      if (!(this.#dirty && pending.implicit && unchanged)) add(write, entity, pending.resolver);
    }
    if (this.#dirty) {
      for (const [key, tracked] of this.#tracked) {
        if (this.#pending.has(key) || this.#applies.has(key)) continue;
        const { collection: c, id, entity } = tracked;
        this.#refuseChangedId(c, entity, id);
        const { check, resolver } = this.#decide(c, id, 'store', undefined, undefined);
        const put = planCheckedPut(this.context.scope, c, entity, check);
        const { planned: write } = put instanceof Promise ? await put : put;
        if (write.write.body !== tracked.snapshot) add(write, entity, resolver);
      }
    }
    for (const [, { collection: c, id, operations, check }] of applies) {
      add(planApply(this.context.scope, c, id, check, operations), undefined);
    }
    await this.context.ready(planned.map((p) => p.collection.name));
    const done = await commitResolving(this.context, planned, resolvables, entities, retry);
    done.outcomes.forEach((outcome, i) => {
      const { write, collection } = done.planned[i] as PlannedWrite;
      const key = keyOf(collection, write.id);
      const entity = entities[i];
      if (write.op === 'delete') {
        this.#tracked.delete(key);
      } else if (write.op === 'apply') {
        const tracked = this.#tracked.get(key);
        if (tracked && outcome.status === 'ok' && outcome.body !== undefined) {
          const stored = { body: outcome.body, metadata: outcome.metadata };
          replaceContents(tracked.entity, collection.toEntity(write.id, stored));
          this.#track(collection, write.id, tracked.entity, outcome.metadata, outcome.body);
        }
      } else if (outcome.status === 'ok' && entity) {
        // A resolved write saved another document: the entity becomes what was saved.
        const resolved = done.resolved.get(i);
        if (resolved) replaceContents(entity, resolved);
        collection.setVersion(entity, outcome.metadata);
        this.#track(collection, write.id, entity, outcome.metadata, write.body as string, true);
      } else if (outcome.status === 'skipped') {
        // A tryRevisionAbove that found a newer revision: done, not a change to retry.
        const tracked = this.#tracked.get(key);
        if (tracked) tracked.snapshot = write.body as string;
      }
    });
    for (const [key, pending] of batch) {
      if (this.#pending.get(key) === pending) this.#pending.delete(key);
    }
    for (const [key, scheduled] of applies) {
      if (this.#applies.get(key) === scheduled) this.#applies.delete(key);
    }
  }

  async #writeWhere<T extends object>(
    collection: CollectionRef<T>,
    filter: unknown,
    change: BulkChange,
    options: SessionBulkOptions,
    call: string,
  ): Promise<BulkResult> {
    const c = this.context.resolve(collection) as Collection<object>;
    if (options !== null && typeof options === 'object' && 'actor' in options) {
      throw new InvalidArgumentError(`${call} in a session writes as the session's actor`);
    }
    const result = await writeWhere(this.context, c, filter, change, options, call);
    const held = result.written.filter(({ id }) => {
      const key = keyOf(c, id);
      return this.#tracked.has(key) && !this.#pending.has(key) && !this.#applies.has(key);
    });
    if (change.op === 'delete') {
      for (const { id } of held) this.#tracked.delete(keyOf(c, id));
      return result;
    }
    // Changed in memory since loaded: reloading would drop the change unseen.
    const unchanged = ({ id }: { id: string }) => {
      const { entity, original } = this.#tracked.get(keyOf(c, id)) as Tracked;
      try {
        const now = c.serialize(entity, this.context.scope.maxDocumentBytes);
        return isDeepStrictEqual(JSON.parse(now), JSON.parse(original));
      } catch {
        return false; // no longer a document at all: certainly changed
      }
    };
    const stale = held.filter(unchanged);
    if (stale.length === 0) return result;
    const stored = await readDocuments(
      this.context,
      c,
      stale.map(({ id }) => id),
    );
    for (const [id, found] of stored) {
      const tracked = this.#tracked.get(keyOf(c, id));
      // Another call of this session may have scheduled a write of it meanwhile.
      if (!tracked || this.#pending.has(keyOf(c, id)) || this.#applies.has(keyOf(c, id))) continue;
      replaceContents(tracked.entity, await c.entityOf(id, found));
      this.#track(c, id, tracked.entity, found.metadata, found.body);
    }
    return result;
  }

  #track(
    c: Collection<object>,
    id: string,
    entity: object,
    metadata: DocumentMetadata,
    body: string,
    saved = false,
  ): void {
    const key = keyOf(c, id);
    // Compared with what the entity serialises to later, so it is made the same way (a
    // backend may hand the body back normalised, as jsonb does). Only dirty tracking reads it.
    let snapshot = '';
    if (saved) snapshot = body;
    else if (this.#dirty) snapshot = c.serialize(entity, this.context.scope.maxDocumentBytes);
    this.#tracked.set(key, { collection: c, id, entity, metadata, snapshot, original: body });
    this.#keyOfEntity.set(entity, key);
  }

  #schedule<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    op: 'store' | 'insert',
    explicit: Check | undefined,
  ): void {
    const c = this.context.resolve(collection) as Collection<object>;
    if (!isPlainObject(entity)) throw new InvalidDocumentError('A document is a plain object');
    const id = c.idOf(entity, true);
    this.#refuseMovedEntity(c, entity, id);
    const { check, resolver } = this.#decide(c, id, 'store', explicit, c.versionOf(entity));
    const key = keyOf(c, id);
    this.#pending.set(key, {
      collection: c,
      id,
      op,
      entity,
      check,
      implicit: explicit === undefined,
      resolver,
    });
    const tracked = this.#tracked.get(key);
    if (tracked) {
      tracked.entity = entity;
      this.#keyOfEntity.set(entity, key);
    }
  }

  #refuseMovedEntity(c: Collection<object>, entity: object, id: string): void {
    const key = this.#keyOfEntity.get(entity);
    if (key !== undefined && key !== keyOf(c, id)) {
      throw new InvalidArgumentError(
        `This entity was loaded as ${key.replace('\u0000', '/')}; a session cannot change a document's id or collection`,
      );
    }
  }

  #refuseChangedId(c: Collection<object>, entity: object, id: string): void {
    const now = (entity as Record<string, unknown>)[c.idField];
    if (now !== id) {
      throw new InvalidArgumentError(
        `The id of ${c.name}/${id} was changed to ${safeDescribe(now)} after the session took it; store a copy under the new id instead`,
      );
    }
  }

  // The check a write carries (the caller's, else what the policy's strategy makes of
  // what this session saw) and the resolver that may settle its conflict.
  #decide(
    c: Collection<object>,
    id: string,
    op: 'store' | 'delete',
    explicit: Check | undefined,
    carried: Version | undefined,
  ): { check: NormalizedCheck; resolver: Resolver<object> | undefined } {
    const tracked = this.#tracked.get(keyOf(c, id));
    const seen = tracked !== undefined || carried !== undefined;
    // An entity carrying an older version than the one loaded (a client's copy stored
    // over it) was made from that version: checking the loaded one would overwrite the
    // changes made since without a word.
    const older =
      this.#optimistic && carried !== undefined && carried !== tracked?.metadata[c.versionKind];
    const operation: Operation = op === 'delete' ? 'delete' : seen ? 'update' : 'insert';
    const config = policyFor(this.context, c.name, operation, this.#options);
    const resolver = this.#resolverFor(config);
    const check = writeCheck(config, c.versionKind, {
      operation,
      explicit,
      seen: tracked && !older ? { metadata: tracked.metadata } : { version: carried },
      fallback: op === 'delete' ? 'mustExist' : 'mustNotExist',
      optimistic: !tracked || this.#optimistic,
    });
    return { check, resolver };
  }

  #resolverFor(config: PolicyConfig): Resolver<object> | undefined {
    const named = this.#options.resolver ?? config.resolver;
    // A session cannot run its changes again, so 'retry' leaves the conflict to the caller.
    if (named === 'retry') return undefined;
    if (named) return named as Resolver<object>;
    const merge = staleMergeOf(config, this.#options);
    if (merge) return staleMergeResolver(merge);
    return config.strategy === 'automaticRetry' ? threeWayMerge() : undefined;
  }

  // What settles a write's conflict: its resolver with the version this session loaded as
  // the base; for a stale merge of a document the session did not load, the version its
  // check names, from the history.
  #resolvable(write: PlannedWrite, resolver: Resolver<object> | undefined): Resolvable | undefined {
    if (resolver === undefined) return undefined;
    const { collection: c, write: w } = write;
    const tracked = this.#tracked.get(keyOf(c, w.id));
    const merging = isStaleMerge(resolver);
    const check = w.check;
    // A merge's base is the version the write was made from: the loaded one only when the
    // check names it (a write stored with an older explicit check was made from that).
    const fromLoaded =
      tracked !== undefined &&
      (!merging ||
        check.kind !== 'version' ||
        check.version === tracked.metadata[check.versionKind]);
    if (tracked && fromLoaded) {
      const base = merging ? { base: tracked.metadata.revision } : {};
      return { resolver, original: tracked.original, ...base };
    }
    if (!merging || w.op !== 'put' || check.kind !== 'version') return undefined;
    return { resolver, original: () => readAncestor(this.context, c, w.id, check.version) };
  }
}

// Makes `entity` hold exactly the fields of `source`, keeping the object the caller holds.
function replaceContents(entity: object, source: object): void {
  const target = entity as Record<string, unknown>;
  for (const key of Object.keys(target)) delete target[key];
  for (const [key, value] of Object.entries(source)) {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}
