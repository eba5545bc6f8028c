/** A document as the client handles it: a JSON object with a string `id`. */
export interface ClientDocument {
  readonly id: string;
}

/**
 * A document as the server last had it, with the ETag of that version. Every write that
 * starts from it sends the ETag as `If-Match`, so it lands only on that version.
 */
export interface Versioned<T> {
  readonly id: string;
  readonly document: T;
  /** The strong ETag of this version, quoted as the server sent it (`"3"`). */
  readonly etag: string;
}

/** A write the server applied: the document as saved, with its new ETag. */
export interface Saved<T> extends Versioned<T> {
  readonly status: 'saved';
}

/** A delete the server applied. */
export interface Deleted {
  readonly status: 'deleted';
  readonly id: string;
}

/**
 * An edit made while the server could not be reached: kept in the client's queue with the
 * version it started from, and sent (with `If-Match`) when the client syncs.
 */
export interface Queued {
  readonly status: 'queued';
  readonly id: string;
}

/** The `fetch` the client calls: the global one, or any function of the same shape. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
