import type { StoredDocument } from '../backends/kit/backend.js';
import type { NormalizedCheck } from '../concurrency/check.js';
import type { Resolver } from '../concurrency/resolvers.js';
import {
  type ConcurrencyError,
  DocumentNotFoundError,
  InvalidArgumentError,
} from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';
import type { DocumentMetadata } from '../core/metadata.js';
import type { OperationObserver } from '../observe/observer.js';
import type { Collection } from './collection.js';
import type { WriteScope } from './writes.js';
import { type PlannedWrite, planCheckedPut } from './writes.js';

/** One attempt's write: the document it saves, the write, and the revision it was made on. */
export interface Attempted<T> {
  readonly document: T;
  readonly planned: PlannedWrite;
  /** The revision the write was made on top of. */
  readonly base: number;
}

/** An attempt whose write landed, with the saved metadata. */
export interface Saved<T> extends Attempted<T> {
  readonly metadata: DocumentMetadata;
}

/** Passed to an `update()` mutation beside the document. */
export interface UpdateContext {
  /** 1 on the first run, +1 on each retry after a conflict. */
  readonly attempt: number;
  /** The metadata of the document as loaded for this attempt. */
  readonly metadata: DocumentMetadata;
}

/** A change `update()` applies: in place (return nothing) or by returning a new document. */
export type Mutation<T> = (
  document: T,
  context: UpdateContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a mutation that changes its argument returns nothing
) => T | void | Promise<T | void>;

/** A resolver said 'fail': the conflict is the answer, not a reason to try again. */
export class ResolverFailed {
  constructor(readonly conflict: ConcurrencyError) {}
}

/** What makes the writes of one `update()`: its target, change, resolver and check. */
export interface UpdateTarget<T extends object> {
  readonly scope: WriteScope;
  readonly collection: Collection<T>;
  readonly id: string;
  readonly mutate: Mutation<T>;
  readonly resolver: Resolver<T> | 'retry';
  /** The check of a write made on `stored` (see `writeCheck`). */
  readonly checkOf: (stored: StoredDocument) => NormalizedCheck;
  readonly observer: OperationObserver;
}

/**
 * The writes of one `update()`, attempt by attempt. Each attempt runs `mutate` on the
 * document as loaded; after a conflict, a resolver (when there is one) settles it instead,
 * from what this writer loaded and tried and what is current now. Remembers whether the
 * last attempt was resolved, for metrics.
 */
export class UpdateAttempts<T extends object> {
  readonly #target: UpdateTarget<T>;
  // What the last attempt loaded and tried (only kept when a resolver may need it), and
  // after its conflict, what the next attempt resolves.
  #tried: { original: T; attempted: T } | undefined;
  #pending: { original: T; attempted: T; conflict: ConcurrencyError } | undefined;
  #resolved = false;

  constructor(target: UpdateTarget<T>) {
    this.#target = target;
  }

  /** True when the last attempt saved a resolver's document. */
  get resolved(): boolean {
    return this.#resolved;
  }

  /** Makes attempt `attempt`'s write on `stored`, what the attempt read (absent: not found). */
  async make(stored: StoredDocument | undefined, attempt: number): Promise<Attempted<T>> {
    const { collection: c, id, scope } = this.#target;
    if (!stored) throw new DocumentNotFoundError(c.name, id);
    // One copy of what was loaded, for the resolver and then (if it says 'retry') `mutate`.
    const loaded = await c.entityOf(id, stored);
    const changed =
      (await this.#resolve(stored, loaded, attempt)) ??
      (await this.#mutate(stored, loaded, attempt));
    if ((changed as Record<string, unknown>)[c.idField] !== id) {
      throw new InvalidArgumentError(`update() cannot change the id of ${c.name}/${id}`);
    }
    const check = this.#target.checkOf(stored);
    const { planned, document } = await planCheckedPut(
      scope,
      c as Collection<object>,
      changed,
      check,
    );
    return { document: document as T, planned, base: stored.metadata.revision };
  }

  /** The attempt met `conflict`: the next one resolves it, if a resolver is set. */
  conflicted(conflict: ConcurrencyError): void {
    if (this.#tried) this.#pending = { ...this.#tried, conflict };
  }

  // The resolver's document after a conflict, or undefined to run `mutate` (no pending
  // conflict, no resolver, or the resolver said 'retry').
  async #resolve(stored: StoredDocument, loaded: T, attempt: number): Promise<T | undefined> {
    const { collection: c, id, resolver, observer } = this.#target;
    const pending = this.#pending;
    if (!pending || resolver === 'retry') return undefined;
    const decision = await resolver({
      original: pending.original,
      current: loaded,
      attempted: pending.attempted,
      currentMetadata: stored.metadata,
      collection: c.name,
      id,
      attempt: attempt - 1,
    });
    if (decision === 'fail') throw new ResolverFailed(pending.conflict);
    if (decision === 'retry') return undefined;
    if (!isPlainObject(decision)) {
      throw new InvalidArgumentError(`The resolver of ${c.name}/${id} returned no document`);
    }
    observer.resolved(attempt - 1, pending.conflict, resolver.name || 'anonymous');
    this.#resolved = true;
    this.#tried = pending;
    return decision;
  }

  async #mutate(stored: StoredDocument, loaded: T, attempt: number): Promise<T> {
    const { collection: c, id, mutate, resolver } = this.#target;
    this.#resolved = false;
    // The resolver gets its own copy of what was loaded, untouched by `mutate`.
    const original = resolver === 'retry' ? undefined : await c.entityOf(id, stored);
    const returned = await mutate(loaded, { attempt, metadata: stored.metadata });
    // `(o) => o.items.push(x)` returns push's number: say so, not that the id changed.
    if (
      returned !== undefined &&
      (typeof returned !== 'object' || returned === null || Array.isArray(returned))
    ) {
      throw new InvalidArgumentError(
        `The change given to update() returned ${safeDescribe(returned)}: change the document in place and return nothing, or return the whole new document`,
      );
    }
    const document = (returned ?? loaded) as T;
    this.#tried = original ? { original, attempted: document } : undefined;
    return document;
  }
}
