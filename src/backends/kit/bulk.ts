import type { DocumentMetadata } from '../../core/metadata.js';
import type { NormalizedCondition } from './checks.js';
import type { NormalizedOperation } from './operations.js';

/**
 * A conditional bulk write: the live documents of one tenant's collection that `filter`
 * matches, the first `limit` of them by id (code point order), each changed by
 * `operations` (`apply`) or deleted, by one statement that evaluates the filter itself
 * against the rows it locks. Every document it writes gets revision + 1, a new seq, the
 * token `bulkRowToken(token, n)` (`n` counting from 1 in id order) and a write-log record
 * of it; the call itself records `token` (`bulkCallRecord`), even when nothing matched.
 */
export interface BulkWrite {
  readonly tenant: string;
  readonly collection: string;
  readonly op: 'apply' | 'delete';
  /** `null`: every live document. */
  readonly filter: NormalizedCondition | null;
  /** For `apply`: the operations (see `applyOperations` for their meaning). */
  readonly operations?: readonly NormalizedOperation[];
  /** For `apply`: the most bytes of JSON text a resulting document may take. */
  readonly maxBytes?: number;
  /** The most documents the call writes, at least 1. */
  readonly limit: number;
  /** Writer-made, as a `Write`'s token: how a lost reply is settled (see `Backend.landed`). */
  readonly token: string;
  readonly actor: string | null;
  /**
   * The collection keeps revision history: each document written records its revision
   * (as a `Write` with `history` does) in place of its write-log record; the call's own
   * record stays in the write log.
   */
  readonly history?: boolean;
}

/** One document a bulk write wrote: its id and new metadata. */
export interface BulkWritten {
  readonly id: string;
  readonly metadata: DocumentMetadata;
}

/**
 * What a bulk write ended in: `ok` with the documents written, in id order; or `unfit`
 * when the operations did not fit a matched document (`type`) or made it larger than
 * `maxBytes` (`size`, with the result's `bytes`): then nothing at all was written, and
 * `id` names the first such document in id order.
 */
export type BulkOutcome =
  | { readonly status: 'ok'; readonly written: readonly BulkWritten[] }
  | {
      readonly status: 'unfit';
      readonly id: string;
      readonly reason: 'type' | 'size';
      readonly bytes?: number;
    };

/**
 * The token of the `n`th document (from 1, in id order) a bulk write with the call token
 * `token` writes. It begins with the call's token, so it sorts with it in the write log.
 */
export function bulkRowToken(token: string, n: number): string {
  return `${token}.${n}`;
}

/**
 * The write-log record of a bulk call itself, under its own token: `id` empty, `revision`
 * the number of documents it wrote, `seq` the highest seq it drew (0 when none).
 */
export const BULK_CALL_ID = '';
