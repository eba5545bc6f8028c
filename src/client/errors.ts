import type { Versioned } from './types.js';

/** Stable, machine-readable codes of the client's errors. They never change between releases. */
export type ClientErrorCode =
  | 'EDIT_CONFLICT'
  | 'PRECONDITION_REQUIRED'
  | 'WRITE_REFUSED'
  | 'HTTP_ERROR'
  | 'NETWORK_ERROR';

/** An RFC 9457 problem as the server answered it (`type`, `title`, `status`, `detail`, …). */
export type Problem = Readonly<Record<string, unknown>>;

/** Base class of every error the client throws on purpose. Switch on `code`, not on messages. */
export abstract class ClientError extends Error {
  abstract readonly code: ClientErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The server answered a write with 412: the document is no longer the version the edit
 * started from. Carries the three documents a person or a merge needs to decide: `base`
 * (what the edit started from; `null` for a create), `mine` (what this client tried to
 * save; `null` for a delete) and `theirs` (the document as stored now with its ETag,
 * fetched after the 412; `null` when it is gone). Nothing was written.
 */
export class ConflictError<T = unknown> extends ClientError {
  readonly code = 'EDIT_CONFLICT' as const;

  constructor(
    readonly collection: string,
    readonly id: string,
    readonly base: Versioned<T> | null,
    readonly mine: T | null,
    readonly theirs: Versioned<T> | null,
  ) {
    super(`${collection}/${id} changed since this edit started from it; nothing was written`);
  }
}

/** An error the server answered with a status and a problem body. */
export class HttpError extends ClientError {
  readonly code: ClientErrorCode = 'HTTP_ERROR';

  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${String(problem.title ?? 'HTTP error')}: ${String(problem.detail ?? '')}`);
  }

  /** The problem's name, the last part of its `type` (`precondition-required`, `conflict`, …). */
  get problemName(): string {
    return String(problem(this.problem.type));
  }
}

const problem = (type: unknown) => String(type ?? '').replace(/^urn:noclobber:problem:/, '');

/**
 * 428: the server requires a precondition for this write (the document exists and the
 * write named no version). Get the document first and write from that version.
 */
export class PreconditionRequiredError extends HttpError {
  override readonly code = 'PRECONDITION_REQUIRED' as const;
}

/**
 * 409: the server refused the write after trying (a change that could not land after its
 * retries, a JSON Patch `test` that failed, a merge that met conflicting paths). Nothing
 * was written; `problemName` says which.
 */
export class WriteRefusedError extends HttpError {
  override readonly code = 'WRITE_REFUSED' as const;
}

/** The server could not be reached (offline, refused, reset): the request got no answer. */
export class NetworkError extends ClientError {
  readonly code = 'NETWORK_ERROR' as const;
}
