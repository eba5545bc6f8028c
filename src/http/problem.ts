import {
  BaseRevisionUnavailableError,
  BatchWriteError,
  ConcurrencyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  InvalidArgumentError,
  InvalidPatchError,
  MergeConflictError,
  OperationTypeError,
  PatchTestFailedError,
  PatchTooLargeError,
  RetryExhaustedError,
  TransientError,
  UniqueConstraintError,
  UnknownCollectionError,
  ValidationError,
} from '../core/errors.js';
import { formatETag } from './etag.js';

/** A problem detail (RFC 9457) before it becomes a response. */
export interface Problem {
  readonly status: number;
  /** A stable identifier: `type` is `urn:noclobber:problem:<code>`. */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly [extension: string]: unknown;
}

/** How long a client should wait before trying again after a 503, in seconds. */
const RETRY_AFTER = '1';

/**
 * The response for a problem: `application/problem+json`; a 503 says when to try again
 * (`Retry-After`).
 */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  const { code, ...rest } = problem;
  const body = { type: `urn:noclobber:problem:${code}`, ...rest };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      ...(problem.status === 503 ? { 'retry-after': RETRY_AFTER } : {}),
      ...headers,
    },
  });
}

/** A problem of the handler's own (400, 404, 405, 412, 413, 415, 428). */
export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return { status, code, title, detail, ...extensions };
}

/**
 * Maps a store error to its problem. Conflicts a precondition asked about are 412 with
 * the expected and actual ETags; conflicts the server could not resolve itself are 409.
 * A database failure is 503 `unavailable` (nothing was written: try again) unless the
 * write may have landed: then 500 `outcome-unknown` with `ambiguous: true`, never the
 * answer of a write that certainly did not happen. Anything unknown is rethrown (a 500 is
 * the server's own business, not a client's).
 */
export function problemOf(error: unknown, preconditioned: boolean, expectedETag?: string): Problem {
  if (error instanceof ConcurrencyError || error instanceof DuplicateDocumentError) {
    const actual = error instanceof ConcurrencyError ? error.actual : error.actual;
    const extensions = {
      ...(expectedETag === undefined ? {} : { expected: expectedETag }),
      actual: actual === null ? null : formatETag(actual),
    };
    return preconditioned
      ? problem(412, 'precondition-failed', 'Precondition Failed', error.message, extensions)
      : problem(409, 'conflict', 'Conflict', error.message, extensions);
  }
  if (error instanceof RetryExhaustedError) {
    return problem(409, 'conflict', 'Conflict', error.message, {
      attempts: error.attempts,
      actual: error.cause.actual === null ? null : formatETag(error.cause.actual),
    });
  }
  if (error instanceof PatchTestFailedError) {
    return problem(409, 'patch-test-failed', 'Conflict', error.message, { path: error.path });
  }
  if (error instanceof BaseRevisionUnavailableError) {
    return problem(412, 'base-revision-unavailable', 'Precondition Failed', error.message);
  }
  if (error instanceof MergeConflictError) {
    return problem(409, 'merge-conflict', 'Conflict', error.message, { paths: error.paths });
  }
  if (error instanceof UniqueConstraintError) {
    return problem(409, 'unique-constraint', 'Conflict', error.message, {
      collection: error.collection,
      fields: error.fields,
      id: error.id,
      holder: error.holder,
    });
  }
  if (error instanceof BatchWriteError) {
    return problem(409, 'conflict', 'Conflict', error.message);
  }
  if (error instanceof DocumentNotFoundError) {
    return problem(404, 'not-found', 'Not Found', error.message);
  }
  if (error instanceof UnknownCollectionError) {
    return problem(404, 'unknown-collection', 'Not Found', error.message);
  }
  if (error instanceof PatchTooLargeError) {
    // Too many operations, or a result past the document limit: the request asks for more
    // than the server takes, whatever its bytes.
    return problem(413, 'patch-too-large', 'Content Too Large', error.message, {
      limit: error.limit,
      max: error.max,
    });
  }
  if (error instanceof OperationTypeError) {
    return problem(422, 'operation-type-mismatch', 'Unprocessable Content', error.message);
  }
  if (error instanceof ValidationError) {
    return problem(422, 'validation-failed', 'Unprocessable Content', error.message, {
      issues: error.issues,
    });
  }
  if (error instanceof InvalidPatchError) {
    return problem(422, 'invalid-patch', 'Unprocessable Content', error.message);
  }
  if (error instanceof InvalidArgumentError) {
    return problem(
      400,
      error.code.toLowerCase().replaceAll('_', '-'),
      'Bad Request',
      error.message,
    );
  }
  if (error instanceof TransientError) {
    return error.ambiguous
      ? problem(
          500,
          'outcome-unknown',
          'Outcome Unknown',
          `The database failed while committing; the write may or may not have landed. Read the document before trying again. (${error.message})`,
          { ambiguous: true },
        )
      : problem(503, 'unavailable', 'Service Unavailable', error.message, { ambiguous: false });
  }
  throw error;
}
