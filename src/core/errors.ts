import type { DocumentMetadata, Version, VersionKind } from './metadata.js';

/** Stable, machine-readable error codes. They never change between releases. */
export type ErrorCode =
  | 'CONCURRENCY_CONFLICT'
  | 'DOCUMENT_NOT_FOUND'
  | 'DUPLICATE_DOCUMENT'
  | 'BATCH_WRITE_FAILED'
  | 'RETRY_EXHAUSTED'
  | 'UNKNOWN_COLLECTION'
  | 'INVALID_ARGUMENT'
  | 'INVALID_ID'
  | 'INVALID_VERSION'
  | 'INVALID_DOCUMENT'
  | 'INVALID_CONDITION'
  | 'INVALID_CURSOR'
  | 'INVALID_OPERATIONS'
  | 'OPERATION_TYPE_MISMATCH'
  | 'STORE_CLOSED'
  | 'TRANSIENT_FAILURE'
  | 'MERGE_CONFLICT'
  | 'INVALID_PATCH'
  | 'PATCH_TOO_LARGE'
  | 'PATCH_TEST_FAILED'
  | 'VALIDATION_FAILED'
  | 'UNIQUE_CONSTRAINT'
  | 'BASE_REVISION_UNAVAILABLE'
  | 'MISSING_DRIVER'
  | 'UNSUPPORTED_NODE';

/** Base class of every error noclobber throws on purpose. Switch on `code`, not on messages. */
export abstract class NoclobberError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What a failed check expected, in words a person reads in a log line. */
export type Expectation =
  | { kind: 'version'; version: Version }
  | { kind: 'mustExist' }
  | { kind: 'notModifiedSince'; time: number }
  | { kind: 'condition' }
  | { kind: 'revisionAbove'; revision: number }
  | { kind: 'streamVersion'; expected: number | 'noStream' | 'streamExists' };

/** A document write whose check failed. */
export interface DocumentConflict {
  collection: string;
  id: string;
  expectation: Expectation;
  actual: DocumentMetadata | null;
  versionKind: VersionKind;
}

/** An append whose expected stream version did not hold; `actual` is the real version (0: no stream). */
export interface StreamConflict {
  streamId: string;
  expected: number | 'noStream' | 'streamExists';
  actual: number;
}

/**
 * A write's check did not pass: the stored document is not the one the writer expected.
 * `actual` is the stored version and `actualMetadata` the stored metadata, both read in
 * the same transaction as the failed write; both are `null` when the document is gone.
 * For an append to an event stream, `streamId` is set, `expected` is what the writer
 * expected and `actual` the stream's real version (0 when it does not exist).
 */
export class ConcurrencyError extends NoclobberError {
  readonly code = 'CONCURRENCY_CONFLICT' as const;
  /** The collection, or `'$streams'` for an append to an event stream. */
  readonly collection: string;
  /** The document id, or the stream id. */
  readonly id: string;
  /** The stream an append failed on; `undefined` for documents. */
  readonly streamId: string | undefined;
  /** The version the writer expected, or `null` when its check was not a version check. */
  readonly expected: Version | null;
  /** What the failed check asked for, whatever its kind. */
  readonly expectation: Expectation;
  /** The stored version (in the collection's version kind), or `null` when the document is gone. */
  readonly actual: Version | null;
  readonly actualMetadata: DocumentMetadata | null;

  constructor(args: DocumentConflict | StreamConflict) {
    if ('streamId' in args) {
      const expectation = { kind: 'streamVersion', expected: args.expected } as const;
      super(
        `Optimistic concurrency check failed for stream ${args.streamId}: expected ${describe(expectation, 'revision')}, found ${args.actual === 0 ? 'no stream' : `version ${args.actual}`}`,
      );
      this.collection = '$streams';
      this.id = args.streamId;
      this.streamId = args.streamId;
      this.expectation = expectation;
      this.expected = args.expected;
      this.actual = args.actual;
      this.actualMetadata = null;
      return;
    }
    const actual = args.actual ? args.actual[args.versionKind] : null;
    super(
      `Optimistic concurrency check failed for ${args.collection}/${args.id}: expected ${describe(args.expectation, args.versionKind)}, ${found(args.expectation, args.actual, args.versionKind)}`,
    );
    this.collection = args.collection;
    this.id = args.id;
    this.streamId = undefined;
    this.expectation = args.expectation;
    this.expected = args.expectation.kind === 'version' ? args.expectation.version : null;
    this.actual = actual;
    this.actualMetadata = args.actual;
  }
}

// What the failed check met, in the terms of what it asked for.
function found(
  expectation: Expectation,
  actual: DocumentMetadata | null,
  versionKind: VersionKind,
): string {
  if (actual === null) return 'but no document is stored (never written, or deleted)';
  const version = `${versionKind} ${actual[versionKind]}`;
  switch (expectation.kind) {
    case 'notModifiedSince':
      return `but it was modified at ${new Date(actual.lastModified).toISOString()} (${version})`;
    case 'condition':
      return `but it does not hold on the stored document (${version})`;
    case 'revisionAbove':
      return `but the stored revision is ${actual.revision}`;
    default:
      return `found ${actual[versionKind]}`;
  }
}

function describe(expectation: Expectation, versionKind: VersionKind): string {
  switch (expectation.kind) {
    case 'version':
      return `${versionKind} ${expectation.version}`;
    case 'mustExist':
      return 'the document to exist';
    case 'notModifiedSince':
      return `no change since ${new Date(expectation.time).toISOString()}`;
    case 'condition':
      return 'the condition to hold';
    case 'revisionAbove':
      return `a revision below ${expectation.revision}`;
    case 'streamVersion':
      if (expectation.expected === 'noStream') return 'no stream';
      if (expectation.expected === 'streamExists') return 'the stream to exist';
      return `version ${expectation.expected}`;
  }
}

/** The document does not exist (or was deleted) and the operation needs it. Never retried. */
export class DocumentNotFoundError extends NoclobberError {
  readonly code = 'DOCUMENT_NOT_FOUND' as const;
  readonly collection: string;
  readonly id: string;

  constructor(collection: string, id: string) {
    super(`Document ${collection}/${id} does not exist`);
    this.collection = collection;
    this.id = id;
  }
}

/** An insert (`mustNotExist`) found a live document with the same id. */
export class DuplicateDocumentError extends NoclobberError {
  readonly code = 'DUPLICATE_DOCUMENT' as const;
  readonly collection: string;
  readonly id: string;
  /** The stored document's version. */
  readonly actual: Version;
  readonly actualMetadata: DocumentMetadata;

  constructor(collection: string, id: string, actual: DocumentMetadata, versionKind: VersionKind) {
    super(`Document ${collection}/${id} already exists (${versionKind} ${actual[versionKind]})`);
    this.collection = collection;
    this.id = id;
    this.actual = actual[versionKind];
    this.actualMetadata = actual;
  }
}

/** One document's failure inside a batch. */
export type WriteFailure = ConcurrencyError | DocumentNotFoundError | DuplicateDocumentError;

/**
 * Several writes of one `saveChanges()` failed their checks. Nothing was written; `errors`
 * lists every failed document (not only the first), each with expected and actual versions.
 */
export class BatchWriteError extends AggregateError {
  readonly code = 'BATCH_WRITE_FAILED' as const;
  declare readonly errors: WriteFailure[];

  constructor(failures: WriteFailure[]) {
    const ids = failures.map((f) => `${f.collection}/${f.id}`).join(', ');
    super(failures, `${failures.length} writes failed their checks, nothing was saved: ${ids}`);
    this.name = 'BatchWriteError';
  }
}

/** `update()` ran out of attempts; `cause` is the last conflict. */
export class RetryExhaustedError extends NoclobberError {
  readonly code = 'RETRY_EXHAUSTED' as const;
  readonly attempts: number;
  declare readonly cause: ConcurrencyError;

  constructor(attempts: number, cause: ConcurrencyError) {
    super(
      `Gave up on ${cause.collection}/${cause.id} after ${attempts} attempts: every save met a concurrent change`,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** The collection was never declared with `store.collection()`. */
export class UnknownCollectionError extends NoclobberError {
  readonly code = 'UNKNOWN_COLLECTION' as const;
  readonly collection: string;

  constructor(collection: string) {
    super(
      `Unknown collection ${JSON.stringify(collection)}: declare it with store.collection() first`,
    );
    this.collection = collection;
  }
}

/** An argument is not what the API accepts. Nothing was written. */
export class InvalidArgumentError extends NoclobberError {
  readonly code:
    | 'INVALID_ARGUMENT'
    | 'INVALID_ID'
    | 'INVALID_VERSION'
    | 'INVALID_DOCUMENT'
    | 'INVALID_CONDITION'
    | 'INVALID_CURSOR'
    | 'INVALID_OPERATIONS'
    | 'INVALID_PATCH'
    | 'PATCH_TOO_LARGE' = 'INVALID_ARGUMENT';
}

/** An id is empty, not a string, too long or holds characters no id may hold. */
export class InvalidIdError extends InvalidArgumentError {
  override readonly code = 'INVALID_ID' as const;
}

/** A version of the wrong type for its collection (a revision is an integer, a token a string). */
export class InvalidVersionError extends InvalidArgumentError {
  override readonly code = 'INVALID_VERSION' as const;
}

/** A document that is not a plain JSON object, is too large, too deep, or has forbidden keys. */
export class InvalidDocumentError extends InvalidArgumentError {
  override readonly code = 'INVALID_DOCUMENT' as const;
}

/** A `condition` predicate that cannot be compiled. */
export class InvalidConditionError extends InvalidArgumentError {
  override readonly code = 'INVALID_CONDITION' as const;
}

/**
 * A query's `after` cursor that this query did not hand out: altered, cut short, or made
 * by a query over another collection, filter or sort. Nothing was read.
 */
export class InvalidCursorError extends InvalidArgumentError {
  override readonly code = 'INVALID_CURSOR' as const;
}

/**
 * Atomic operations (`$inc`, `$push`, …) that are malformed whatever the document: an
 * unknown operator, a bad path, a non-finite number, two operations on overlapping paths,
 * a path on the id field. Refused at the call; nothing was sent to the database.
 */
export class InvalidOperationsError extends InvalidArgumentError {
  override readonly code = 'INVALID_OPERATIONS' as const;
}

/**
 * An atomic operation did not fit the stored document: `$inc` on a string, `$push` on a
 * non-array, a path through a scalar or past the end of an array, a result that is not a
 * finite number. The database found it in the write's own statement; nothing was written.
 */
export class OperationTypeError extends NoclobberError {
  readonly code = 'OPERATION_TYPE_MISMATCH' as const;
  /** The operator, e.g. `'$inc'`, when known (the database reports only that one failed). */
  readonly operator: string | undefined;
  /** The operation's field path, when known. */
  readonly path: string | undefined;
  /** The document's collection and id, when a write (not the reference evaluator) failed. */
  readonly collection: string | undefined;
  readonly id: string | undefined;

  constructor(
    message: string,
    details: { operator?: string; path?: string; collection?: string; id?: string } = {},
  ) {
    super(message);
    this.operator = details.operator;
    this.path = details.path;
    this.collection = details.collection;
    this.id = details.id;
  }
}

/** The store was closed. */
export class StoreClosedError extends NoclobberError {
  readonly code = 'STORE_CLOSED' as const;

  constructor() {
    super('The document store is closed');
  }
}

/**
 * The database could not be reached or gave up on the statement (connection lost,
 * serialization failure, deadlock, shutdown, a lock held past the busy timeout). noclobber
 * retries these itself where that is safe; this error means it ran out of tries.
 * `ambiguous` is true when the write may or may not have landed and reading back its
 * token could not tell.
 */
export class TransientError extends NoclobberError {
  readonly code = 'TRANSIENT_FAILURE' as const;
  readonly ambiguous: boolean;

  constructor(message: string, options: { ambiguous: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.ambiguous = options.ambiguous;
  }
}

/**
 * A three-way merge met paths that both writers changed differently and was told to fail.
 * Nothing was written. `paths` lists them, e.g. `['status', 'lines[sku="b"].qty']`.
 */
export class MergeConflictError extends NoclobberError {
  readonly code = 'MERGE_CONFLICT' as const;
  readonly collection: string;
  readonly id: string;
  readonly paths: readonly string[];

  constructor(collection: string, id: string, paths: readonly string[]) {
    super(
      `Could not merge concurrent changes to ${collection}/${id}: both changed ${paths.join(', ')}`,
    );
    this.collection = collection;
    this.id = id;
    this.paths = paths;
  }
}

/** A JSON Patch (RFC 6902) that is malformed or cannot apply to the document. Nothing was written. */
export class InvalidPatchError extends InvalidArgumentError {
  override readonly code = 'INVALID_PATCH' as const;
}

/**
 * A patch was refused for its cost before anything was written: a JSON Patch of more
 * operations than `maxPatchOperations`, or a patch that made the document larger than
 * `maxDocumentBytes` (refused at the operation that passed the limit, not after the
 * whole patch ran).
 */
export class PatchTooLargeError extends InvalidArgumentError {
  override readonly code = 'PATCH_TOO_LARGE' as const;
  /** Which limit the patch passed. */
  readonly limit: 'maxDocumentBytes' | 'maxPatchOperations';
  /** The limit's value. */
  readonly max: number;
  /** What the patch reached: bytes of JSON of the document, or its number of operations. */
  readonly actual: number;

  constructor(limit: 'maxDocumentBytes' | 'maxPatchOperations', max: number, actual: number) {
    super(
      limit === 'maxDocumentBytes'
        ? `The patch makes the document ${actual} bytes of JSON, more than the limit of ${max}: nothing was applied`
        : `The JSON Patch has ${actual} operations, more than the limit of ${max}: nothing was applied`,
    );
    this.limit = limit;
    this.max = max;
    this.actual = actual;
  }
}

/** A JSON Patch `test` operation did not hold; the patch was not applied at all. */
export class PatchTestFailedError extends NoclobberError {
  readonly code = 'PATCH_TEST_FAILED' as const;
  /** The JSON Pointer of the failed test. */
  readonly path: string;

  constructor(path: string) {
    super(`JSON Patch test failed at ${path === '' ? 'the document' : path}: nothing was applied`);
    this.path = path;
  }
}

/** One reason a collection's schema refused a document: a message and where in the document. */
export interface ValidationIssue {
  readonly message: string;
  /** Keys and array indexes from the document down to the value; empty for the whole. */
  readonly path: readonly (string | number)[];
}

/**
 * A collection's schema refused a document. On a write (`stage: 'write'`) nothing was
 * sent to the database; on a read (`stage: 'read'`) a stored document no longer fits the
 * schema (it was written before the schema said otherwise, or by a write that skipped it).
 */
export class ValidationError extends NoclobberError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly collection: string;
  /** The document's id, when it had one. */
  readonly id: string | undefined;
  readonly stage: 'write' | 'read';
  /** Every issue the schema reported, in its order. */
  readonly issues: readonly ValidationIssue[];

  constructor(args: {
    collection: string;
    id: string | undefined;
    stage: 'write' | 'read';
    issues: readonly ValidationIssue[];
  }) {
    const where = args.id === undefined ? args.collection : `${args.collection}/${args.id}`;
    const listed = args.issues
      .slice(0, 5)
      .map(
        (issue) =>
          `${issue.path.length === 0 ? '(document)' : issue.path.join('.')}: ${issue.message}`,
      )
      .join('; ');
    const more = args.issues.length > 5 ? `; and ${args.issues.length - 5} more` : '';
    super(
      args.stage === 'write'
        ? `The schema of ${args.collection} refused ${where}, so nothing was written: ${listed}${more}`
        : `The stored document ${where} does not fit the schema of ${args.collection}: ${listed}${more}`,
    );
    this.collection = args.collection;
    this.id = args.id;
    this.stage = args.stage;
    this.issues = args.issues;
  }
}

/**
 * A write would have given a live document the value (or values) of a unique field that
 * another live document already holds: nothing was written (the whole batch, for a
 * session or a bulk write). Documents missing the field, or holding a value of another
 * type than the one declared, are not constrained.
 */
export class UniqueConstraintError extends NoclobberError {
  readonly code = 'UNIQUE_CONSTRAINT' as const;
  readonly collection: string;
  /**
   * The unique field paths, as declared (`['email']`, `['tenantCode', 'sku']`); empty when
   * the index was declared by another process and this store does not know its fields.
   */
  readonly fields: readonly string[];
  /** The id of the document whose write was refused, when the database says which. */
  readonly id: string | null;
  /** The id of the live document that holds the value, when it could be found. */
  readonly holder: string | null;

  constructor(args: {
    collection: string;
    fields: readonly string[];
    id: string | null;
    holder: string | null;
    /**
     * The unique index was not made, because live documents already share a value: every
     * operation on the collection is refused with this error, reads too, until they no
     * longer do or the declaration is dropped.
     */
    notMade?: boolean;
  }) {
    const what =
      args.fields.length === 0
        ? 'index'
        : args.fields.length === 1
          ? `field ${args.fields[0]}`
          : `fields ${args.fields.join(', ')}`;
    const by = args.holder === null ? 'another document' : `document ${args.holder}`;
    const refused = args.id === null ? 'a write' : `the write of ${args.collection}/${args.id}`;
    const taken = args.fields.length > 1 ? 'already have these values' : 'already has this value';
    super(
      args.notMade
        ? `The unique ${what} of ${args.collection} cannot be enforced: live documents of ${args.collection} already share a value, so its index was not made and the collection's operations are refused until those documents are changed or the declaration is dropped`
        : `The unique ${what} of ${args.collection} ${taken} in ${by}, so ${refused} was refused and nothing was written`,
    );
    this.collection = args.collection;
    this.fields = args.fields;
    this.id = args.id;
    this.holder = args.holder;
  }
}

/**
 * A stale write asked to be merged (`onStale: 'merge'`), but the revision it was made
 * from is not in the collection's history (the collection keeps none, or it was pruned),
 * so there is no common ancestor to merge against. Nothing was written: the writer must
 * reload and redo its change, as after any failed check.
 */
export class BaseRevisionUnavailableError extends NoclobberError {
  readonly code = 'BASE_REVISION_UNAVAILABLE' as const;
  readonly collection: string;
  readonly id: string;
  /** The version the write was made from. */
  readonly base: Version;

  constructor(args: { collection: string; id: string; base: Version }) {
    super(
      `Cannot merge the stale write of ${args.collection}/${args.id}: the version it was made from (${args.base}) is not in the history any more, so nothing was written`,
    );
    this.collection = args.collection;
    this.id = args.id;
    this.base = args.base;
  }
}
