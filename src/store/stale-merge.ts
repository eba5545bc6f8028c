import type { WriteOutcome } from '../backends/kit/backend.js';
import type { NormalizedCheck } from '../concurrency/check.js';
import { type Json, jsonEqual, type MergeOptions, mergeThreeWay } from '../concurrency/merge.js';
import { type OnStale, type PolicyConfig, validateStale } from '../concurrency/policy.js';
import { type Resolver, threeWayMerge } from '../concurrency/resolvers.js';
import {
  BaseRevisionUnavailableError,
  ConcurrencyError,
  MergeConflictError,
} from '../core/errors.js';
import type { DocumentMetadata, Version } from '../core/metadata.js';
import type { Collection } from './collection.js';
import { readDocuments, type StoreContext } from './context.js';
import { type PlannedWrite, planCheckedPut, type WriteScope } from './writes.js';

/** The most times a merge is made again because the document moved during the merge. */
export const MAX_MERGE_ATTEMPTS = 5;

/** What a merged write joined: the version it was made from and the one it was merged with. */
export interface MergedFrom<T> {
  /** The revision the writer's change was made from (the common ancestor). */
  readonly base: number;
  /** The revision the change was merged with (the latest when the merge was saved). */
  readonly theirs: number;
  /** The document saved: both changes joined, id and version fields filled in. */
  readonly document: T;
}

/** The merge options a put asks for on a stale check, or `undefined` to let it fail. */
export function staleMergeOf(
  config: PolicyConfig,
  options: { onStale?: OnStale; merge?: MergeOptions },
): MergeOptions | undefined {
  validateStale(options.onStale, options.merge);
  const onStale = options.onStale ?? config.onStale ?? 'fail';
  return onStale === 'merge' ? { ...config.merge, ...options.merge } : undefined;
}

const mergeResolvers = new WeakSet<Resolver<object>>();

/**
 * The resolver a session uses for `onStale: 'merge'`: the three-way merge, marked so that
 * the session gives it the base from the history (when it did not load the document
 * itself) and records the merged revision's parents.
 */
export function staleMergeResolver(options: MergeOptions): Resolver<object> {
  const resolver = threeWayMerge(options) as Resolver<object>;
  mergeResolvers.add(resolver);
  return resolver;
}

/** True for a resolver made by `staleMergeResolver`. */
export const isStaleMerge = (resolver: Resolver<object> | undefined): boolean =>
  resolver !== undefined && mergeResolvers.has(resolver);

/** What `mergeStale` needs of the put that met a newer document. */
export interface StaleWrite {
  readonly context: StoreContext;
  readonly scope: WriteScope;
  readonly collection: Collection<object>;
  /** The put as first planned: its body is the writer's document, its check the base. */
  readonly planned: PlannedWrite;
  readonly conflict: ConcurrencyError;
  readonly options: MergeOptions;
  readonly commit: (planned: PlannedWrite) => Promise<WriteOutcome[]>;
}

/**
 * Saves a stale put by merging it (see `OnStale`): returns the saved metadata and what
 * was merged. Throws the put's `ConcurrencyError` when the conflict is not one a merge can
 * settle (the document was deleted, or its version is not newer than the base),
 * `BaseRevisionUnavailableError` when the history no longer holds the base,
 * `MergeConflictError` listing the paths both sides changed differently (unless
 * `options.onConflict` settles them), and the last `ConcurrencyError` when the document
 * kept moving through `MAX_MERGE_ATTEMPTS` merges. When the document holds every change
 * already (a re-sent write that landed), nothing is written and the stored version returned.
 */
export async function mergeStale(
  stale: StaleWrite,
): Promise<{ metadata: DocumentMetadata; merged: MergedFrom<object> }> {
  const { context, collection: c, planned, options } = stale;
  const { id, check, body } = planned.write;
  const base = staleBase(check, stale.conflict);
  if (base === undefined || body === undefined) throw stale.conflict;
  const ancestor = await readAncestor(context, c, id, base);
  const baseRevision = ancestor.revision;
  const original = JSON.parse(ancestor.body) as Json;
  const attempted = JSON.parse(body) as Json;
  let conflict = stale.conflict;
  for (let attempt = 1; attempt <= MAX_MERGE_ATTEMPTS; attempt++) {
    const stored = (await readDocuments(context, c, [id])).get(id);
    if (stored === undefined || stored.metadata.revision <= baseRevision) throw conflict;
    const current = JSON.parse(stored.body) as Json;
    const result = mergeThreeWay(original, current, attempted, options);
    if (result.failed) {
      throw new MergeConflictError(
        c.name,
        id,
        result.conflicts.map((found) => found.path),
      );
    }
    const theirs = stored.metadata.revision;
    const merged = await c.entityOf(id, {
      body: JSON.stringify(result.merged),
      metadata: stored.metadata,
    });
    // Every change is in the document already (a re-sent write that landed, or the same
    // edit made elsewhere): saving it again would only add a revision, so nothing is written.
    if (jsonEqual(result.merged, current)) {
      return {
        metadata: stored.metadata,
        merged: { base: baseRevision, theirs, document: merged },
      };
    }
    const recheck: NormalizedCheck = {
      kind: 'version',
      versionKind: c.versionKind,
      version: stored.metadata[c.versionKind],
    };
    const put = await planCheckedPut(stale.scope, c, merged, recheck);
    const write = { ...put.planned.write, parents: [baseRevision, theirs] };
    try {
      const [outcome] = await stale.commit({ write, collection: c });
      if (outcome?.status !== 'ok') throw conflict;
      c.setVersion(merged, outcome.metadata);
      return {
        metadata: outcome.metadata,
        merged: { base: baseRevision, theirs, document: merged },
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      conflict = error;
    }
  }
  throw conflict;
}

// The version a stale put was made from: its check's version, when the stored document
// is live and was written after it (a version check failing on a document that is gone
// or older is not staleness).
function staleBase(check: NormalizedCheck, conflict: ConcurrencyError): Version | undefined {
  if (check.kind !== 'version' || conflict.actualMetadata === null) return undefined;
  return check.version;
}

/**
 * The revision of a document that `version` names, as the history keeps it: the common
 * ancestor of a merge. `BaseRevisionUnavailableError` when the history holds no live
 * revision by that version (none kept, pruned, a delete, or never written).
 */
export async function readAncestor(
  context: StoreContext,
  c: Collection<object>,
  id: string,
  version: Version,
): Promise<{ revision: number; body: string }> {
  const revision = await revisionOf(context, c, id, version);
  const key = { tenant: context.scope.tenant, collection: c.name, id };
  const found = revision === undefined ? undefined : await context.backend.revision(key, revision);
  if (revision === undefined || found?.body == null) {
    throw new BaseRevisionUnavailableError({ collection: c.name, id, base: version });
  }
  return { revision, body: found.body };
}

// The revision number a version names: itself for revisions, the revision its token's
// write made for tokens (from the write log or the history, while they keep it).
async function revisionOf(
  context: StoreContext,
  c: Collection<object>,
  id: string,
  version: Version,
): Promise<number | undefined> {
  if (typeof version === 'number') return version;
  const landed = await context.backend.landed(context.scope.tenant, [version]);
  const write = landed.get(version);
  return write?.collection === c.name && write.id === id ? write.revision : undefined;
}
