import type { WriteOutcome } from '../backends/kit/backend.js';
import type { Resolver } from '../concurrency/resolvers.js';
import { conflictLoop, type RetryPolicy } from '../concurrency/retry.js';
import {
  BatchWriteError,
  ConcurrencyError,
  InvalidArgumentError,
  RetryExhaustedError,
  type WriteFailure,
} from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import { OperationObserver } from '../observe/observer.js';
import type { Collection } from './collection.js';
import { commitPlanned } from './commit.js';
import { readDocuments, type StoreContext } from './context.js';
import { type PlannedWrite, planCheckedPut } from './writes.js';

/** How one write of a batch may be resolved when its check fails. */
export interface Resolvable {
  readonly resolver: Resolver<object>;
  /**
   * The document the change was made from (its JSON text), the base of a three-way merge:
   * as the session loaded it, or a revision read from the history when first needed.
   */
  readonly original: string | (() => Promise<{ body: string; revision: number }>);
  /**
   * For a merge of stale changes, the revision of `original` (given with a history read):
   * the saved revision records it and the revision it was merged with as its parents.
   */
  readonly base?: number;
}

/** A batch commit's result: outcomes, and the documents resolvers put in place of entities. */
export interface ResolvedCommit {
  readonly outcomes: WriteOutcome[];
  /** The writes as finally committed (resolved ones replaced). */
  readonly planned: readonly PlannedWrite[];
  /** By index in the batch: the document that was saved instead of the entity. */
  readonly resolved: Map<number, object>;
}

/**
 * Commits a batch; when checks fail and every failed write has a resolver, reads the
 * current documents, resolves each, and commits the whole batch again with the resolved
 * documents checked against the versions just read (the store's one conflict loop,
 * `conflictLoop`). All or nothing each time.
 */
export async function commitResolving(
  context: StoreContext,
  batch: readonly PlannedWrite[],
  resolvables: readonly (Resolvable | undefined)[],
  attempted: readonly (object | undefined)[],
  policy: RetryPolicy,
): Promise<ResolvedCommit> {
  const planned = [...batch];
  const resolved = new Map<number, object>();
  const indexOf = (f: ConcurrencyError) => planned.findIndex((p) => sameTarget(p, f));
  const observer = (f: ConcurrencyError) => observerOf(context, f, 'put');
  // Only check failures of puts whose document still exists and that have a resolver.
  const resolvable = (failures: readonly ConcurrencyError[]) =>
    failures.every((f) => {
      const i = indexOf(f);
      return (
        i >= 0 &&
        resolvables[i] !== undefined &&
        planned[i]?.write.op === 'put' &&
        f.actual !== null
      );
    });
  let last: readonly ConcurrencyError[] = [];
  const commit = async (attempt: number): Promise<ResolvedCommit> => {
    try {
      const outcomes = await commitPlanned(context.backend, planned, policy.signal);
      return { outcomes, planned, resolved };
    } catch (error) {
      // Every conflict is reported, resolvable or not.
      for (const conflict of conflictsOf(error)) {
        const operation = planned.find((p) => sameTarget(p, conflict))?.write.op;
        observerOf(context, conflict, operation).conflict(attempt, conflict);
      }
      throw error;
    }
  };
  try {
    return await conflictLoop(policy, commit, {
      conflictsOf: (error) => {
        const failures = failuresOf(error);
        if (!failures || !resolvable(failures)) return undefined;
        last = failures;
        return failures;
      },
      beforeRetry: async (attempt, failures) => {
        for (const failure of failures) {
          const i = indexOf(failure);
          const next = await resolveOne(
            context,
            planned[i] as PlannedWrite,
            resolvables[i] as Resolvable,
            attempted[i] as object,
            failure,
            attempt,
            observer(failure),
          );
          planned[i] = next.planned;
          resolved.set(i, next.document);
        }
      },
      onRetry: (attempt, failures, delay) => {
        for (const f of failures) observer(f).retry(attempt, f, delay);
      },
    });
  } catch (error) {
    if (error instanceof RetryExhaustedError) {
      for (const f of last) observer(f).gaveUp(error.attempts, error);
    }
    throw error;
  }
}

function allFailures(error: unknown): WriteFailure[] {
  if (error instanceof BatchWriteError) return error.errors;
  return error instanceof ConcurrencyError ? [error] : [];
}

function conflictsOf(error: unknown): ConcurrencyError[] {
  return allFailures(error).filter((f) => f instanceof ConcurrencyError);
}

// Only check failures can be resolved; not-found and duplicates are answers.
function failuresOf(error: unknown): ConcurrencyError[] | undefined {
  const all = allFailures(error);
  if (all.length === 0 || !all.every((f) => f instanceof ConcurrencyError)) return undefined;
  return all as ConcurrencyError[];
}

const sameTarget = (p: PlannedWrite, f: ConcurrencyError) =>
  p.write.collection === f.collection && p.write.id === f.id;

/** Reports to hooks and metrics about one document of a batch. */
export function observerOf(
  context: StoreContext,
  f: { collection: string; id: string },
  op: 'put' | 'delete' | 'apply' | undefined,
): OperationObserver {
  return new OperationObserver(context.runtime.hooks, {
    collection: f.collection,
    id: f.id,
    tenant: context.scope.tenant,
    operation: op === 'delete' ? 'delete' : 'update',
  });
}

async function resolveOne(
  context: StoreContext,
  planned: PlannedWrite,
  resolvable: Resolvable,
  attempted: object,
  conflict: ConcurrencyError,
  attempt: number,
  observer: OperationObserver,
): Promise<{ planned: PlannedWrite; document: object }> {
  const c = planned.collection;
  const id = planned.write.id;
  const stored = (await readDocuments(context, c, [id])).get(id);
  if (!stored) throw conflict;
  let text: string;
  let base = resolvable.base;
  if (typeof resolvable.original === 'string') text = resolvable.original;
  else ({ body: text, revision: base } = await resolvable.original());
  const original = await c.entityOf(id, { body: text, metadata: stored.metadata });
  const decision = await resolvable.resolver({
    original,
    current: await c.entityOf(id, stored),
    attempted: await copyOf(c, attempted, context),
    currentMetadata: stored.metadata,
    collection: c.name,
    id,
    attempt,
  });
  // A session cannot run its changes again, so 'retry' is as final as 'fail'.
  if (decision === 'fail' || decision === 'retry') {
    observer.gaveUp(attempt, conflict);
    throw conflict;
  }
  if (!isPlainObject(decision) || (decision as Record<string, unknown>)[c.idField] !== id) {
    throw new InvalidArgumentError(
      `The resolver of ${c.name}/${id} must return a document with the same id`,
    );
  }
  observer.resolved(attempt, conflict, resolvable.resolver.name || 'anonymous');
  const check = {
    kind: 'version',
    versionKind: c.versionKind,
    version: stored.metadata[c.versionKind],
  } as const;
  const { write } = (await planCheckedPut(context.scope, c, decision, check)).planned;
  const parents = base === undefined ? {} : { parents: [base, stored.metadata.revision] };
  return { planned: { write: { ...write, ...parents }, collection: c }, document: decision };
}

// The resolver gets a copy, so whatever it does leaves the session's entity alone; with a
// schema, revived as reads revive the original and current documents beside it.
async function copyOf(
  c: Collection<object>,
  entity: object,
  context: StoreContext,
): Promise<object> {
  const body = c.serialize(entity, context.scope.maxDocumentBytes);
  const id = c.idOf(entity);
  if (c.schema !== undefined) return c.validated(JSON.parse(body), id);
  const copy = JSON.parse(body) as Record<string, unknown>;
  copy[c.idField] = id;
  return copy;
}
