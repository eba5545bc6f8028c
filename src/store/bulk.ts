import type { BulkOutcome, BulkWrite } from '../backends/kit/bulk.js';
import { normalizeOperations } from '../concurrency/operations.js';
import {
  InvalidArgumentError,
  InvalidConditionError,
  InvalidDocumentError,
  OperationTypeError,
} from '../core/errors.js';
import { isPlainObject, optionsObject } from '../core/json.js';
import type { DocumentMetadata, Version } from '../core/metadata.js';
import { newToken } from '../core/token.js';
import { normalizeFilter } from '../query/filter.js';
import type { Collection } from './collection.js';
import type { CollectionRef, StoreContext } from './context.js';
import { refuseOperations } from './schema.js';
import type { WriteScope } from './writes.js';

/** How many documents one `updateWhere()` or `deleteWhere()` writes when it names no `limit`. */
export const DEFAULT_BULK_LIMIT = 1000;
/** The most documents one `updateWhere()` or `deleteWhere()` may write. */
export const MAX_BULK_LIMIT = 10_000;

/** Options of `updateWhere()` and `deleteWhere()`. */
export interface BulkOptions {
  /**
   * The most documents the call writes: the first that match, in id order (code point
   * order, as `find()` orders ties). 1 to 10,000; default 1,000.
   */
  limit?: number;
  /** Recorded as `lastModifiedBy` on every document written. */
  actor?: string;
}

/** One document a bulk write wrote: its id, new version and metadata. */
export interface BulkWrittenDocument {
  readonly id: string;
  readonly version: Version;
  readonly metadata: DocumentMetadata;
}

/** What `updateWhere()` or `deleteWhere()` wrote. */
export interface BulkResult {
  /** The documents written, in id order, each with its new version. */
  readonly written: BulkWrittenDocument[];
  /** True when the call wrote `limit` documents: more may match, so call again to go on. */
  readonly more: boolean;
}

/** What a bulk call changes: documents by operations, or deletes them. */
export type BulkChange =
  | { readonly op: 'apply'; readonly operations: unknown }
  | { readonly op: 'delete' };

/**
 * A bulk write's filter as given, refused when it would be taken for every document
 * without saying so: a forgotten filter, or one whose every test is `undefined` (`{ owner:
 * input.owner }` with no owner). A query may read everything so; a write of everything is
 * asked for by `{}` alone.
 */
function explicitFilter(filter: unknown, call: string): unknown {
  if (
    filter === undefined ||
    (isPlainObject(filter) &&
      Object.keys(filter).length > 0 &&
      Object.values(filter).every((value) => value === undefined))
  ) {
    throw new InvalidConditionError(
      `${call} takes a filter whose tests have values; {} writes every document`,
    );
  }
  return filter;
}

/**
 * The bulk write `updateWhere()` or `deleteWhere()` sends for collection `c` in `scope`
 * (tenant and actor): filter, change and limit validated, nothing sent. Throws the typed
 * error of the first thing wrong.
 */
export function planBulk(
  c: Collection<object>,
  scope: WriteScope,
  filter: unknown,
  change: BulkChange,
  options: BulkOptions,
  call: string,
): BulkWrite {
  optionsObject(options, call);
  if (change.op === 'apply') refuseOperations(c, call);
  const limit = options.limit ?? DEFAULT_BULK_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_BULK_LIMIT) {
    throw new InvalidArgumentError(`${call} limit is an integer from 1 to ${MAX_BULK_LIMIT}`);
  }
  return {
    tenant: scope.tenant,
    collection: c.name,
    op: change.op,
    filter: normalizeFilter(explicitFilter(filter, call)),
    limit,
    token: newToken(),
    actor: scope.actor,
    ...(c.history === undefined ? {} : { history: true }),
    ...(change.op === 'apply'
      ? {
          operations: normalizeOperations(change.operations, reservedOf(c)),
          maxBytes: scope.maxDocumentBytes,
        }
      : {}),
  };
}

/**
 * Runs `updateWhere()` or `deleteWhere()` in `context` (its scope names tenant and actor):
 * validates filter, change and limit before anything is sent (`planBulk`), then sends one
 * bulk write through the runtime, which settles a lost reply by the write log.
 */
export async function writeWhere<T extends object>(
  context: StoreContext,
  collection: CollectionRef<T>,
  filter: unknown,
  change: BulkChange,
  options: BulkOptions,
  call: string,
): Promise<BulkResult> {
  const c = context.resolve(collection) as Collection<object>;
  const bulk = planBulk(c, context.scope, filter, change, options, call);
  const { limit } = bulk;
  await context.ready([c.name]);
  const outcome = await context.backend.writeWhere(bulk);
  if (outcome.status === 'unfit') throw unfitError(c, outcome);
  const written = outcome.written.map(({ id, metadata }) => ({
    id,
    version: metadata[c.versionKind],
    metadata,
  }));
  return { written, more: written.length === limit };
}

// The fields operations may not change: the id (stored in the body too) and the version field.
const reservedOf = (c: Collection<object>) =>
  c.versionField === undefined ? [c.idField] : [c.idField, c.versionField];

function unfitError(
  c: Collection<object>,
  outcome: Extract<BulkOutcome, { status: 'unfit' }>,
): Error {
  const where = `${c.name}/${outcome.id}`;
  if (outcome.reason === 'size') {
    return new InvalidDocumentError(
      `The operations make ${where} ${outcome.bytes} bytes of JSON, more than the limit: nothing was written`,
    );
  }
  return new OperationTypeError(
    `The operations do not fit ${where} as stored ($inc on a non-number, $push on a non-array, a path through a scalar or past an array's end, or a result beyond the range of doubles): nothing was written`,
    { collection: c.name, id: outcome.id },
  );
}
