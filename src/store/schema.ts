import {
  InvalidArgumentError,
  InvalidDocumentError,
  ValidationError,
  type ValidationIssue,
} from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';
import type { StandardSchemaV1 } from '../core/standard-schema.js';

/** Which document a schema checks, and whether it is being written or read. */
export interface SchemaSubject {
  readonly collection: string;
  readonly id: string;
  readonly stage: 'write' | 'read';
}

/**
 * Runs a Standard Schema on a document: the schema's output, which must be a plain
 * object, or a `ValidationError` listing every issue with its path. A schema whose
 * `validate` answers at once is answered at once (no promise), so that a write serializes
 * the output in the same turn: a schema's output may be the very object it was given, and
 * a caller that changes that object after starting the write must not change what is
 * stored. A `validate` that returns a promise is answered by one.
 */
export function runSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  input: object,
  subject: SchemaSubject,
): T | Promise<T> {
  const result = schema['~standard'].validate(input);
  const pending = typeof (result as Partial<PromiseLike<unknown>>).then === 'function';
  return pending
    ? Promise.resolve(result).then((settled) => outputOf(settled, subject))
    : outputOf(result as StandardSchemaV1.Result<T>, subject);
}

function outputOf<T>(result: StandardSchemaV1.Result<T>, subject: SchemaSubject): T {
  if (result.issues !== undefined) {
    throw new ValidationError({ ...subject, issues: result.issues.map(issueOf) });
  }
  if (!isPlainObject(result.value)) {
    throw new InvalidDocumentError(
      `The schema of ${subject.collection} made ${safeDescribe(result.value)} of ${subject.collection}/${subject.id}; a document is a plain object`,
    );
  }
  return result.value;
}

function issueOf(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? []).map((step) => {
    const key = typeof step === 'object' && step !== null ? step.key : step;
    return typeof key === 'number' ? key : String(key);
  });
  return { message: String(issue.message), path };
}

/**
 * Refuses atomic operations on a collection with a schema: the database makes the
 * document from them in the write's own statement, so nothing could validate it before it
 * is stored, and a read-apply-validate in JavaScript would turn the one conflict-free
 * write into a read-modify-write that `update()` already is.
 */
export function refuseOperations(
  collection: { readonly name: string; readonly schema: unknown },
  call: string,
): void {
  if (collection.schema === undefined) return;
  throw new InvalidArgumentError(
    `${call} cannot validate what the database makes of ${collection.name}'s documents against its schema; use update() or patch(), which validate the document they save`,
  );
}

/** A copy of a document as its stored JSON reads (a `Date` becomes its ISO string). */
export function jsonCopy<T>(document: T): T {
  return JSON.parse(JSON.stringify(document)) as T;
}
