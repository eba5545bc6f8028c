import type { Version } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';

export type { Operation };

/** What every hook is told: which document, in which operation, at which attempt. */
export interface WriteEvent {
  readonly collection: string;
  readonly id: string;
  readonly tenant: string;
  readonly operation: Operation;
  /** 1 for the first try of the operation. */
  readonly attempt: number;
}

/** A check failed: the version the writer expected and the one it found. */
export interface ConflictEvent extends WriteEvent {
  readonly expected: Version | null;
  /** `null` when the document is gone. */
  readonly actual: Version | null;
}

/** The operation will try again after `delay` ms. */
export interface RetryEvent extends ConflictEvent {
  readonly delay: number;
}

/** A resolver settled a conflict; its document is being saved. */
export interface ResolvedEvent extends ConflictEvent {
  /** The resolver's function name, or `'anonymous'`. */
  readonly resolver: string;
}

/** The operation stopped without saving: out of attempts, or a resolver said `'fail'`. */
export interface GiveUpEvent extends WriteEvent {
  readonly error: Error;
}

/**
 * Callbacks on the life of a write under contention. They run synchronously inside the
 * operation, so keep them quick; an exception thrown by a hook is swallowed, never
 * turned into a failed write.
 */
export interface Hooks {
  onConflict?(event: ConflictEvent): void;
  onRetry?(event: RetryEvent): void;
  onResolved?(event: ResolvedEvent): void;
  onGiveUp?(event: GiveUpEvent): void;
}
