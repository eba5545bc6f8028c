import type { VersionKind } from '../core/metadata.js';
import type { LandingCheck } from '../store/document-store.js';
import {
  type ETagCondition,
  parseETagCondition,
  strongMatch,
  versionOfTag,
  weakMatch,
} from './etag.js';
import { parseHttpDate } from './http-date.js';

/** The conditional request headers of a request, parsed. */
export interface Preconditions {
  readonly ifMatch?: ETagCondition;
  readonly ifNoneMatch?: ETagCondition;
  readonly ifModifiedSince?: number;
  readonly ifUnmodifiedSince?: number;
}

/** What a precondition is evaluated against: the current representation, if any. */
export interface Current {
  /** The opaque part of its strong ETag. */
  readonly etag: string;
  /** Last modification, ms. */
  readonly lastModified: number;
}

/** The outcome of evaluating preconditions (RFC 9110 13.2.2). */
export type Verdict = 'proceed' | 'not-modified' | 'failed';

/**
 * Reads the four conditional headers; a malformed one throws `MalformedHeaderError`,
 * except If-Modified-Since, which is ignored when malformed or on other methods than GET
 * and HEAD (RFC 9110 13.1.3): it can only ever turn a 200 into a 304.
 */
export function readPreconditions(headers: Headers, method = 'GET'): Preconditions {
  const field = (name: string) => headers.get(name) ?? undefined;
  const ifMatch = field('if-match');
  const ifNoneMatch = field('if-none-match');
  const read = method === 'GET' || method === 'HEAD';
  const ifModifiedSince = read ? lenientDate(field('if-modified-since')) : undefined;
  const ifUnmodifiedSince = field('if-unmodified-since');
  return {
    ...(ifMatch === undefined ? {} : { ifMatch: parseETagCondition(ifMatch, 'If-Match') }),
    ...(ifNoneMatch === undefined
      ? {}
      : { ifNoneMatch: parseETagCondition(ifNoneMatch, 'If-None-Match') }),
    ...(ifModifiedSince === undefined ? {} : { ifModifiedSince }),
    ...(ifUnmodifiedSince === undefined
      ? {}
      : { ifUnmodifiedSince: parseHttpDate(ifUnmodifiedSince, 'If-Unmodified-Since') }),
  };
}

function lenientDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseHttpDate(value, 'If-Modified-Since');
  } catch {
    return undefined;
  }
}

/** True when the request names any precondition a write can be checked against. */
export function hasWritePrecondition(p: Preconditions): boolean {
  return (
    p.ifMatch !== undefined || p.ifNoneMatch !== undefined || p.ifUnmodifiedSince !== undefined
  );
}

// HTTP dates have one-second resolution; stored times have milliseconds.
const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/**
 * Evaluates preconditions in the order of RFC 9110 section 13.2.2: If-Match, else
 * If-Unmodified-Since; then If-None-Match, else If-Modified-Since (GET and HEAD only).
 * `current` is `undefined` when the resource has no current representation.
 */
export function evaluatePreconditions(
  p: Preconditions,
  method: string,
  current: Current | undefined,
): Verdict {
  const read = method === 'GET' || method === 'HEAD';
  if (p.ifMatch !== undefined) {
    const ok = p.ifMatch.any
      ? current !== undefined
      : current !== undefined && p.ifMatch.tags.some((tag) => strongMatch(tag, current.etag));
    if (!ok) return 'failed';
  } else if (p.ifUnmodifiedSince !== undefined && current !== undefined) {
    // Stricter than RFC 9110 13.1.4 on purpose: a date names a whole second, and a second
    // write within it cannot be told from the one the client saw. So a document modified
    // at any time in that second (or later) fails: a needless 412 at worst, never a write
    // over one the client has not seen.
    if (current.lastModified >= p.ifUnmodifiedSince) return 'failed';
  }
  if (p.ifNoneMatch !== undefined) {
    const matched = p.ifNoneMatch.any
      ? current !== undefined
      : current !== undefined && p.ifNoneMatch.tags.some((tag) => weakMatch(tag, current.etag));
    if (matched) return read ? 'not-modified' : 'failed';
  } else if (read && p.ifModifiedSince !== undefined && current !== undefined) {
    if (seconds(current.lastModified) <= p.ifModifiedSince) return 'not-modified';
  }
  return 'proceed';
}

/**
 * The store check that carries a write's preconditions into the database, for the
 * common single-header forms: `If-Match: *` (mustExist), `If-Match: "v"` (the version)
 * and `If-None-Match: *` (mustNotExist). `'failed'` when the
 * single tag names no version this collection can hold; `undefined` for the other
 * forms, which the handler evaluates against the current document and then pins to its
 * version, so a change in between still fails in the database.
 */
export function directCheck(
  p: Preconditions,
  kind: VersionKind,
): LandingCheck | 'failed' | undefined {
  const only = (key: keyof Preconditions) =>
    (['ifMatch', 'ifNoneMatch', 'ifUnmodifiedSince'] as const).every(
      (k) => k === key || p[k] === undefined,
    );
  if (p.ifMatch !== undefined && only('ifMatch')) {
    if (p.ifMatch.any) return 'mustExist';
    const [tag, ...more] = p.ifMatch.tags;
    if (tag === undefined || more.length > 0) return undefined;
    const version = versionOfTag(tag, kind);
    return version === undefined
      ? 'failed'
      : kind === 'token'
        ? { token: version as string }
        : { version };
  }
  if (p.ifNoneMatch?.any === true && only('ifNoneMatch')) return 'mustNotExist';
  // If-Unmodified-Since is judged against the current document (it does not apply when
  // there is none) and the write pinned to the version it was judged on.
  return undefined;
}
