import type { DocumentMetadata, Version, VersionKind } from '../core/metadata.js';
import type { NormalizedCheck } from './check.js';
import { type Condition, normalizeCondition } from './condition.js';

/**
 * The concurrency strategies by name, each a rule for the check a write carries when
 * its caller names none:
 * - `'expectedVersion'` (default): the collection's version as the writer saw it.
 * - `'revision'`: the revision the writer saw, whatever the collection's version kind.
 * - `'token'`: the token the writer saw (opaque, e.g. from `getWithToken()`).
 * - `'timestamp'`: `notModifiedSince` the `lastModified` the writer saw (HTTP style; a
 *   write without one falls back to the version).
 * - `'conditional'`: the policy's `condition`, evaluated on the stored document.
 * - `'automaticRetry'`: the version, and on a conflict the policy's resolver (default
 *   `threeWayMerge()` for saves, re-running the change for `update()`), with retries.
 * - `'lastWriteWins'`: no check (`'none'`).
 *
 * Inserts stay inserts (`mustNotExist`) under every strategy but `'lastWriteWins'`.
 */
export type Strategy =
  | 'expectedVersion'
  | 'revision'
  | 'token'
  | 'timestamp'
  | 'conditional'
  | 'automaticRetry'
  | 'lastWriteWins';

export const STRATEGIES: ReadonlySet<string> = new Set<Strategy>([
  'expectedVersion',
  'revision',
  'token',
  'timestamp',
  'conditional',
  'automaticRetry',
  'lastWriteWins',
]);

/** What the writer saw of the document it writes. */
export interface Seen {
  /** The metadata it loaded, when it loaded the document. */
  readonly metadata?: DocumentMetadata | undefined;
  /** The version its entity carried, when it did not load it. */
  readonly version?: Version | undefined;
}

/**
 * The check of a write under `strategy`, given what its writer saw; `fallback` when it saw
 * nothing (`mustNotExist` for a put, `mustExist` for a delete).
 */
export function checkForStrategy(
  strategy: Strategy | undefined,
  versionKind: VersionKind,
  seen: Seen,
  fallback: 'mustNotExist' | 'mustExist',
  condition?: Condition,
): NormalizedCheck {
  const { metadata } = seen;
  switch (strategy) {
    case 'lastWriteWins':
      return { kind: 'none' };
    case 'conditional':
      if (metadata === undefined && seen.version === undefined) return { kind: fallback };
      return { kind: 'condition', condition: normalizeCondition(condition) };
    case 'timestamp':
      if (metadata) return { kind: 'notModifiedSince', time: metadata.lastModified };
      break;
    case 'revision':
    case 'token':
      if (metadata) return { kind: 'version', versionKind: strategy, version: metadata[strategy] };
      if (seen.version !== undefined && versionKind === strategy) {
        return { kind: 'version', versionKind, version: seen.version };
      }
      return { kind: fallback };
  }
  const version = metadata ? metadata[versionKind] : seen.version;
  return version === undefined ? { kind: fallback } : { kind: 'version', versionKind, version };
}
