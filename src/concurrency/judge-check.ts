import { InvalidArgumentError } from '../core/errors.js';
import type { NormalizedCheck } from './check.js';
import { evaluateCondition } from './evaluate-condition.js';

/** The stored metadata a check is judged by (the store's `DocumentMetadata` has these and more). */
export interface JudgedMetadata {
  readonly revision: number;
  readonly token: string;
  readonly lastModified: number;
}

/**
 * The row a write finds under its key: never written, a tombstone (deleted, its metadata
 * kept so revisions continue after a delete), or a live document with its JSON value.
 */
export type StoredState<M extends JudgedMetadata = JudgedMetadata> =
  | { readonly state: 'absent' }
  | { readonly state: 'deleted'; readonly metadata: M }
  | { readonly state: 'live'; readonly metadata: M; readonly document: unknown };

/**
 * How one write's check ends: `pass` (the write happens, unless another write of its
 * batch fails), or a miss, which writes nothing. `skipped` is a silent miss; `conflict`
 * (with the live metadata, or `null` when the document is gone), `notFound` and
 * `duplicate` are failures, and one failure rolls back the whole batch.
 */
export type Judgement<M extends JudgedMetadata = JudgedMetadata> =
  | { readonly status: 'pass' }
  | Miss<M>;

/** A check that did not pass: what the write reports. */
export type Miss<M extends JudgedMetadata = JudgedMetadata> =
  | { readonly status: 'skipped' }
  | { readonly status: 'conflict'; readonly actual: M | null }
  | { readonly status: 'notFound' }
  | { readonly status: 'duplicate'; readonly actual: M };

/**
 * What every check means for one write, the reference both backends'
 * SQL is tested against:
 *
 * | check | passes when | a miss is |
 * | --- | --- | --- |
 * | `version` | live, and its revision (or token) is the one given | `conflict` (actual `null` if not live) |
 * | `mustNotExist` | absent or deleted (put only) | `duplicate` |
 * | `mustExist` | live | `conflict` if live, else `notFound` |
 * | `notModifiedSince` | live, `lastModified <= time` | `conflict` if live, else `notFound` |
 * | `condition` | live, and `evaluateCondition` holds on it | `conflict` if live, else `notFound` |
 * | `revisionAbove` | absent, or the stored revision (live or deleted) is below `n` (put only) | `skipped` if silent, else `conflict` (actual `null` if not live) |
 * | `none` | a put: always; a delete: live | `skipped` (deleting what is not there) |
 *
 * A delete cannot carry `mustNotExist` or `revisionAbove`: `InvalidArgumentError`, as the
 * store refuses them before a write is made.
 */
export function judgeCheck<M extends JudgedMetadata>(
  check: NormalizedCheck,
  op: 'put' | 'delete',
  stored: StoredState<M>,
): Judgement<M> {
  if (op === 'delete' && (check.kind === 'mustNotExist' || check.kind === 'revisionAbove')) {
    throw new InvalidArgumentError(`A delete cannot carry the check ${check.kind}`);
  }
  if (passes(check, op, stored)) return { status: 'pass' };
  return judgeMiss(check, op, stored.state === 'live' ? stored.metadata : null);
}

function passes(check: NormalizedCheck, op: 'put' | 'delete', stored: StoredState): boolean {
  const live = stored.state === 'live' ? stored : undefined;
  switch (check.kind) {
    case 'version':
      return live !== undefined && live.metadata[check.versionKind] === check.version;
    case 'mustNotExist':
      return live === undefined;
    case 'mustExist':
      return live !== undefined;
    case 'notModifiedSince':
      return live !== undefined && live.metadata.lastModified <= check.time;
    case 'condition':
      return live !== undefined && evaluateCondition(check.condition, live.document);
    case 'revisionAbove':
      return stored.state === 'absent' || stored.metadata.revision < check.revision;
    case 'none':
      return op === 'put' || live !== undefined;
  }
}

/**
 * What a write whose check did not pass reports, given the live document's metadata it
 * was judged against (`null` when absent or deleted). Backends call it after a miss, so
 * not-found and conflict mean the same on every database.
 */
export function judgeMiss<M extends JudgedMetadata>(
  check: NormalizedCheck,
  op: 'put' | 'delete' | 'apply',
  live: M | null,
): Miss<M> {
  switch (check.kind) {
    case 'mustNotExist':
      return live ? { status: 'duplicate', actual: live } : { status: 'conflict', actual: null };
    case 'version':
      return { status: 'conflict', actual: live };
    case 'revisionAbove':
      return check.silent ? { status: 'skipped' } : { status: 'conflict', actual: live };
    case 'none':
      // Only a delete can miss with no check: there was nothing to delete.
      return op === 'delete' ? { status: 'skipped' } : { status: 'notFound' };
    default:
      return live ? { status: 'conflict', actual: live } : { status: 'notFound' };
  }
}

/** True for the judgements that roll back the write's whole batch. */
export function failsBatch(judgement: { readonly status: string }): boolean {
  return (
    judgement.status === 'conflict' ||
    judgement.status === 'notFound' ||
    judgement.status === 'duplicate' ||
    judgement.status === 'unfit'
  );
}
