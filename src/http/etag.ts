import type { Version, VersionKind } from '../core/metadata.js';
import { MalformedHeaderError } from './errors.js';

/** One entity tag of a header list. */
export interface EntityTag {
  readonly weak: boolean;
  /** The opaque part, without quotes. */
  readonly opaque: string;
}

/** An `If-Match` / `If-None-Match` value: `*`, or a list of entity tags. */
export type ETagCondition =
  | { readonly any: true }
  | { readonly any: false; readonly tags: readonly EntityTag[] };

/** The strong ETag of a version: the revision or the token, quoted (RFC 9110 8.8.3). */
export function formatETag(version: Version): string {
  return `"${version}"`;
}

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 8.8.3)
const ETAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/;

/**
 * Parses an `If-Match` or `If-None-Match` field value: `*` or a comma-separated list of
 * entity tags (RFC 9110 13.1.1, 13.1.2). Anything else throws `MalformedHeaderError`
 * (answered 400), never ignored.
 */
export function parseETagCondition(value: string, header: string): ETagCondition {
  const text = value.trim();
  if (text === '*') return { any: true };
  const tags: EntityTag[] = [];
  // Empty list elements are allowed anywhere (RFC 9110 5.6.1).
  let rest = text.replace(/^[ \t,]*/, '');
  for (;;) {
    const match = ETAG.exec(rest);
    if (!match) throw new MalformedHeaderError(header, value);
    tags.push({ weak: match[1] !== undefined, opaque: match[2] as string });
    rest = rest.slice(match[0].length).replace(/^[ \t]*/, '');
    if (rest === '') break;
    if (!rest.startsWith(',')) throw new MalformedHeaderError(header, value);
    // Empty list elements are allowed (RFC 9110 5.6.1): skip commas and whitespace.
    rest = rest.replace(/^[ \t,]*/, '');
    if (rest === '') break;
  }
  if (tags.length === 0 || tags.length > 100) throw new MalformedHeaderError(header, value);
  return { any: false, tags };
}

/** Strong comparison: both strong and the same opaque tag. */
export function strongMatch(tag: EntityTag, current: string): boolean {
  return !tag.weak && tag.opaque === current;
}

/** Weak comparison: the same opaque tag, weak or not. */
export function weakMatch(tag: EntityTag, current: string): boolean {
  return tag.opaque === current;
}

/**
 * The version an entity tag names, if it can name one in a collection of `kind`: a
 * revision is a positive integer, a token any non-empty string. `undefined` means no
 * stored version can match it.
 */
export function versionOfTag(tag: EntityTag, kind: VersionKind): Version | undefined {
  if (tag.weak) return undefined;
  if (kind === 'token')
    return tag.opaque.length > 0 && tag.opaque.length <= 200 ? tag.opaque : undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(tag.opaque)) return undefined;
  const revision = Number(tag.opaque);
  return Number.isSafeInteger(revision) ? revision : undefined;
}
