// The records a history holds and the violations its checks report, apart from the
// checkers so that every checker can name them.

/** How a recorded operation ended. */
export type OperationStatus = 'pending' | 'ok' | 'fail' | 'unknown';

/** One write in a history. */
export interface RecordedOperation<Value = unknown> {
  /** Its place in the history, from 0. */
  readonly index: number;
  /** Who ran it: a worker, a connection, a client. */
  readonly process: string;
  /** The document it wrote: collection and id, or any key. */
  readonly key: string;
  /** What it meant to do, for the model (e.g. the tag it appended). */
  readonly value: Value;
  status: OperationStatus;
  /** The revision it read before writing (0: it created the document), when known. */
  base?: number;
  /**
   * The revision its write produced, once ok. An ok write without one (its caller could
   * not learn it: an HTTP DELETE answers 204 without an ETag) must still account for
   * exactly one revision of its key that no other accepted write claims.
   */
  revision?: number;
  /** The writer-made token of its write, once ok. */
  token?: string;
  /** Why it failed or is unknown. */
  error?: unknown;
  /**
   * A mark unique to this write that it leaves in what it commits (its actor, a field of
   * its body), so that an audit of committed versions tells which write made each.
   */
  mark?: string;
}

/** One committed version of a key, as an audit saw it. */
export interface CommittedVersion {
  readonly revision: number;
  readonly mark: string | null;
}

/** One broken promise, with the operations that show it. */
export interface Violation<Value = unknown> {
  readonly kind:
    | 'duplicate-revision'
    | 'lost-update'
    | 'gap'
    | 'final-revision'
    | 'final-state'
    | 'pending'
    | 'applied-twice'
    | 'lost-write'
    | 'phantom-write';
  readonly key: string;
  readonly message: string;
  readonly operations: readonly RecordedOperation<Value>[];
}
