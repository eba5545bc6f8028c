import { randomUUID } from 'node:crypto';
import type { Backend, Write, WriteOutcome } from '../backends/backend.js';
import { type Check, type NormalizedCheck, normalizeCheck } from '../concurrency/check.js';
import {
  BatchWriteError,
  ConcurrencyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  type Expectation,
  InvalidArgumentError,
  InvalidDocumentError,
  type WriteFailure,
} from '../concurrency/errors.js';
import type { Collection } from './collection.js';
import { isPlainObject } from './validate.js';

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

/**
 * The check a write carries when the caller names none: the version the writer saw
 * (`seen`, from a session or the entity's version field), else `fallback`. An unseen
 * document is never overwritten by accident.
 */
export function chooseCheck(
  collection: Collection<object>,
  explicit: Check | undefined,
  seen: string | number | undefined,
  fallback: 'mustNotExist' | 'mustExist',
): NormalizedCheck {
  if (explicit !== undefined) return normalizeCheck(explicit, collection.versionKind);
  if (seen !== undefined)
    return { kind: 'version', versionKind: collection.versionKind, version: seen };
  return { kind: fallback };
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
    token: randomUUID(),
    actor: scope.actor,
    ...(body === undefined ? {} : { body }),
  };
  return { write, collection };
}

/**
 * Commits planned writes in one backend transaction. All or nothing: a single failure
 * is thrown as itself (`ConcurrencyError`, `DocumentNotFoundError`,
 * `DuplicateDocumentError`), several as one `BatchWriteError` listing every one.
 */
export async function commitPlanned(
  backend: Backend,
  planned: readonly PlannedWrite[],
): Promise<WriteOutcome[]> {
  if (planned.length === 0) return [];
  const outcomes = await backend.commit(planned.map((p) => p.write));
  const failures: WriteFailure[] = [];
  outcomes.forEach((outcome, i) => {
    const failure = failureOf(planned[i] as PlannedWrite, outcome);
    if (failure) failures.push(failure);
  });
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new BatchWriteError(failures);
  return outcomes;
}

function failureOf(
  { write, collection }: PlannedWrite,
  outcome: WriteOutcome,
): WriteFailure | null {
  switch (outcome.status) {
    case 'notFound':
      return new DocumentNotFoundError(write.collection, write.id);
    case 'duplicate':
      return new DuplicateDocumentError(
        write.collection,
        write.id,
        outcome.actual,
        collection.versionKind,
      );
    case 'conflict':
      return new ConcurrencyError({
        collection: write.collection,
        id: write.id,
        expectation: expectationOf(write.check),
        actual: outcome.actual,
        versionKind: collection.versionKind,
      });
    default:
      return null;
  }
}

function expectationOf(check: NormalizedCheck): Expectation {
  switch (check.kind) {
    case 'version':
      return { kind: 'version', version: check.version };
    case 'notModifiedSince':
      return { kind: 'notModifiedSince', time: check.time };
    case 'condition':
      return { kind: 'condition' };
    case 'revisionAbove':
      return { kind: 'revisionAbove', revision: check.revision };
    default:
      return { kind: 'mustExist' };
  }
}
