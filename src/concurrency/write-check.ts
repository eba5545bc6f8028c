import type { VersionKind } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';
import { type Check, type NormalizedCheck, normalizeCheck } from './check.js';
import type { PolicyConfig } from './policy.js';
import { checkForStrategy, type Seen } from './strategy.js';

/** One write, as the rule for its check sees it. */
export interface WriteIntent {
  /** The operation as policies see it; an insert stays an insert under every strategy but `'lastWriteWins'`. */
  readonly operation: Operation;
  /** The check the caller named, if any: it wins over everything else. */
  readonly explicit?: Check | undefined;
  /** What the writer saw of the document (loaded metadata, or a version its entity carried). */
  readonly seen: Seen;
  /** The check when it saw nothing: `mustNotExist` for a put, `mustExist` for a delete or an update. */
  readonly fallback: 'mustNotExist' | 'mustExist';
  /** `false` when the writer turned version checks off for what it loaded (a session's `optimistic: false`). */
  readonly optimistic?: boolean;
}

/**
 * The check a write carries, stated once for one-call writes, session
 * writes and `update()`: the caller's own check; else none when the policy or the writer
 * turned checks off; else what the policy's strategy makes of what the writer saw, with
 * `fallback` when it saw nothing.
 */
export function writeCheck(
  config: PolicyConfig,
  versionKind: VersionKind,
  intent: WriteIntent,
): NormalizedCheck {
  if (intent.explicit !== undefined) return normalizeCheck(intent.explicit, versionKind);
  if (config.optimistic === false || intent.optimistic === false) return { kind: 'none' };
  const strategy =
    intent.operation === 'insert' && config.strategy !== 'lastWriteWins'
      ? undefined
      : config.strategy;
  return checkForStrategy(strategy, versionKind, intent.seen, intent.fallback, config.condition);
}
