import type { Write } from '../backends/kit/backend.js';
import type { NormalizedCheck } from '../concurrency/check.js';
import type { NormalizedOperation } from '../concurrency/operations.js';
import { InvalidArgumentError, InvalidDocumentError } from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import { newToken } from '../core/token.js';
import type { Collection } from './collection.js';

/** Who writes, for whom, and how large a document may be. */
export interface WriteScope {
  readonly tenant: string;
  readonly actor: string | null;
  readonly maxDocumentBytes: number;
}

/** A write on its way to a backend, with the collection that explains its outcome. */
export interface PlannedWrite {
  readonly write: Write;
  readonly collection: Collection<object>;
}

/** Plans a put of `entity`; with `generateId`, an entity without an id gets a new one. */
export function planPut(
  scope: WriteScope,
  collection: Collection<object>,
  entity: unknown,
  check: NormalizedCheck,
  generateId = false,
): PlannedWrite {
  if (!isPlainObject(entity)) {
    throw new InvalidDocumentError('A document is a plain object');
  }
  const id = collection.idOf(entity, generateId);
  const body = collection.serialize(entity, scope.maxDocumentBytes);
  return plan(scope, collection, id, 'put', check, body);
}

/** A put planned after the collection's schema accepted it, with the document it stores. */
export interface CheckedPut {
  readonly planned: PlannedWrite;
  /** What the write stores: the schema's output, or the entity itself without a schema. */
  readonly document: object;
}

/**
 * `planPut` after the collection's schema (if it has one) accepted the entity: the final
 * document every write path sends. Answers at once for a collection without a schema.
 */
export function planCheckedPut(
  scope: WriteScope,
  collection: Collection<object>,
  entity: unknown,
  check: NormalizedCheck,
  generateId = false,
): CheckedPut | Promise<CheckedPut> {
  if (collection.schema === undefined) {
    return {
      planned: planPut(scope, collection, entity, check, generateId),
      document: entity as object,
    };
  }
  if (!isPlainObject(entity)) {
    throw new InvalidDocumentError('A document is a plain object');
  }
  const id = collection.idOf(entity, generateId);
  // Serialized in the turn the schema answers in: see `runSchema`.
  const planned = (document: object): CheckedPut => ({
    planned: planPut(scope, collection, document, check),
    document,
  });
  const validated = collection.validated(entity, id);
  return validated instanceof Promise ? validated.then(planned) : planned(validated);
}

/** Plans a delete; `mustNotExist` and revision checks cannot guard one. */
export function planDelete(
  scope: WriteScope,
  collection: Collection<object>,
  id: string,
  check: NormalizedCheck,
): PlannedWrite {
  if (check.kind === 'mustNotExist' || check.kind === 'revisionAbove') {
    throw new InvalidArgumentError(`A delete cannot carry the check ${check.kind}`);
  }
  return plan(scope, collection, id, 'delete', check, undefined);
}

/**
 * Plans an apply of validated operations; it changes a live document only, so
 * `mustNotExist` and revision checks cannot guard one. The result is bounded by
 * `maxDocumentBytes` in the write's statement.
 */
export function planApply(
  scope: WriteScope,
  collection: Collection<object>,
  id: string,
  check: NormalizedCheck,
  operations: readonly NormalizedOperation[],
): PlannedWrite {
  if (check.kind === 'mustNotExist' || check.kind === 'revisionAbove') {
    throw new InvalidArgumentError(`An apply cannot carry the check ${check.kind}`);
  }
  const { write } = plan(scope, collection, id, 'apply', check, undefined);
  return { write: { ...write, operations, maxBytes: scope.maxDocumentBytes }, collection };
}

function plan(
  scope: WriteScope,
  collection: Collection<object>,
  id: string,
  op: Write['op'],
  check: NormalizedCheck,
  body: string | undefined,
): PlannedWrite {
  const write: Write = {
    tenant: scope.tenant,
    collection: collection.name,
    id,
    op,
    check,
    token: newToken(),
    actor: scope.actor,
    ...(body === undefined ? {} : { body }),
    ...(collection.history === undefined ? {} : { history: true }),
  };
  return { write, collection };
}
