import { type Check, type NormalizedCheck, normalizeCheck } from '../concurrency/check.js';
import { InvalidArgumentError } from '../concurrency/errors.js';
import type { Collection } from './collection.js';
import { commitPlanned } from './commit.js';
import { type CollectionRef, readDocuments, type StoreContext } from './context.js';
import type { DocumentMetadata, Version } from './metadata.js';
import { validateId } from './validate.js';
import { chooseCheck, type PlannedWrite, planDelete, planPut } from './writes.js';

/** Options of `openSession()`. */
export interface SessionOptions {
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
}

/** Options of a session write. */
export interface SessionWriteOptions {
  /** Overrides the check the session would choose. */
  check?: Check;
}

interface Tracked {
  entity: object;
  metadata: DocumentMetadata;
  /** The stored JSON as last loaded or saved: what dirty tracking compares with. */
  snapshot: string;
}

interface Pending {
  readonly collection: Collection<object>;
  readonly id: string;
  readonly op: 'store' | 'insert' | 'delete';
  readonly entity: object | undefined;
  readonly check: NormalizedCheck | undefined;
}

const keyOf = (collection: Collection<object>, id: string) => `${collection.name}\u0000${id}`;

/** A read-only session: loads documents without tracking them and cannot write. */
export class QuerySession {
  protected readonly context: StoreContext;

  constructor(context: StoreContext) {
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
    return ids.map((id) => {
      const found = stored.get(id);
      return found ? c.toEntity(id, found) : null;
    });
  }
}

/**
 * A unit of work. It remembers the version of everything it loads and checks it on
 * `saveChanges()`, which writes everything in one transaction or nothing at all.
 */
export class DocumentSession extends QuerySession {
  readonly #dirty: boolean;
  readonly #optimistic: boolean;
  readonly #tracked = new Map<string, Tracked & { collection: Collection<object>; id: string }>();
  readonly #pending = new Map<string, Pending>();

  constructor(context: StoreContext, options: SessionOptions = {}) {
    super(context);
    if (
      options.tracking !== undefined &&
      options.tracking !== 'identity' &&
      options.tracking !== 'dirty'
    ) {
      throw new InvalidArgumentError(`tracking is 'identity' or 'dirty'`);
    }
    this.#dirty = options.tracking === 'dirty';
    this.#optimistic = options.optimistic ?? true;
  }

  /**
   * Loads documents and remembers their versions. A document already in the session is
   * returned as the same object, not reloaded; one deleted in the session loads as `null`.
   */
  override async loadMany<T extends object>(
    collection: CollectionRef<T>,
    ids: readonly string[],
  ): Promise<(T | null)[]> {
    const c = this.context.resolve(collection);
    if (!Array.isArray(ids)) throw new InvalidArgumentError('loadMany() takes an array of ids');
    ids.forEach(validateId);
    const missing = ids.filter((id) => !this.#tracked.has(keyOf(c, id)));
    const stored = await readDocuments(this.context, c, [...new Set(missing)]);
    for (const [id, found] of stored) {
      const key = keyOf(c, id);
      // Another load of this session may have tracked it while we awaited the read.
      if (!this.#tracked.has(key)) {
        const entity = c.toEntity(id, found);
        // Compared with what the entity serialises to later, so it is made the same way
        // (a backend may hand the body back normalised, as jsonb does). Only dirty
        // tracking reads it.
        const snapshot = this.#dirty
          ? c.serialize(entity, this.context.scope.maxDocumentBytes)
          : '';
        this.#tracked.set(key, { collection: c, id, entity, metadata: found.metadata, snapshot });
      }
    }
    return ids.map((id) => {
      const key = keyOf(c, id);
      if (this.#pending.get(key)?.op === 'delete') return null;
      return (this.#tracked.get(key)?.entity as T | undefined) ?? null;
    });
  }

  /**
   * Schedules a write of `entity`. The check, unless given: the version this session
   * loaded it at; for a document it never loaded, the entity's version field, or
   * `mustNotExist` when that is empty. An entity without an id gets a generated one.
   */
  store<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    options: SessionWriteOptions = {},
  ): void {
    this.#schedule(collection, entity, 'store', options.check);
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
    const { id, version } = c.target(idOrEntity);
    const check = this.#checkFor(c, id, options.check, version, 'mustExist');
    this.#pending.set(keyOf(c, id), { collection: c, id, op: 'delete', entity: undefined, check });
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
   * the entities' version fields hold their new versions.
   */
  async saveChanges(): Promise<void> {
    const planned: PlannedWrite[] = [];
    const entities: (object | undefined)[] = [];
    for (const [key, pending] of this.#pending) {
      const { collection: c, id } = pending;
      if (pending.op === 'delete') {
        planned.push(planDelete(this.context.scope, c, id, pending.check as NormalizedCheck));
        entities.push(undefined);
        continue;
      }
      const entity = pending.entity as object;
      const check =
        pending.check ?? this.#checkFor(c, id, undefined, c.versionOf(entity), 'mustNotExist');
      const write = planPut(this.context.scope, c, entity, check);
      const tracked = this.#tracked.get(key);
      if (this.#dirty && pending.check === undefined && tracked?.snapshot === write.write.body)
        continue;
      planned.push(write);
      entities.push(entity);
    }
    if (this.#dirty) {
      for (const [key, tracked] of this.#tracked) {
        if (this.#pending.has(key)) continue;
        const check = this.#checkFor(
          tracked.collection,
          tracked.id,
          undefined,
          undefined,
          'mustNotExist',
        );
        const write = planPut(this.context.scope, tracked.collection, tracked.entity, check);
        if (write.write.body === tracked.snapshot) continue;
        planned.push(write);
        entities.push(tracked.entity);
      }
    }
    await this.context.ready();
    const outcomes = await commitPlanned(this.context.backend, planned);
    outcomes.forEach((outcome, i) => {
      const { write, collection } = planned[i] as PlannedWrite;
      const key = keyOf(collection, write.id);
      const entity = entities[i];
      if (write.op === 'delete') {
        if (outcome.status === 'ok' || outcome.status === 'skipped') this.#tracked.delete(key);
      } else if (outcome.status === 'ok' && entity) {
        collection.setVersion(entity, outcome.metadata);
        this.#tracked.set(key, {
          collection,
          id: write.id,
          entity,
          metadata: outcome.metadata,
          snapshot: write.body as string,
        });
      }
    });
    this.#pending.clear();
  }

  #schedule<T extends object>(
    collection: CollectionRef<T>,
    entity: T,
    op: 'store' | 'insert',
    check: Check | undefined,
  ): void {
    const c = this.context.resolve(collection) as Collection<object>;
    if (typeof entity !== 'object' || entity === null || Array.isArray(entity)) {
      throw new InvalidArgumentError('A document is a plain object');
    }
    const id = c.idOf(entity, true);
    const normalized = check === undefined ? undefined : normalizeCheck(check, c.versionKind);
    this.#pending.set(keyOf(c, id), { collection: c, id, op, entity, check: normalized });
    const tracked = this.#tracked.get(keyOf(c, id));
    if (tracked) tracked.entity = entity;
  }

  // The check a write of a document carries when its caller names none.
  #checkFor(
    c: Collection<object>,
    id: string,
    explicit: Check | undefined,
    carried: Version | undefined,
    fallback: 'mustNotExist' | 'mustExist',
  ): NormalizedCheck {
    if (explicit !== undefined) return normalizeCheck(explicit, c.versionKind);
    const tracked = this.#tracked.get(keyOf(c, id));
    if (tracked) {
      return this.#optimistic
        ? chooseCheck(c, undefined, tracked.metadata[c.versionKind], fallback)
        : { kind: 'none' };
    }
    return chooseCheck(c, undefined, carried, fallback);
  }
}
