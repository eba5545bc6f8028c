import { InvalidPatchError } from '../../core/errors.js';
import { isRecord, type Json } from '../merge.js';

// Keys that would reach an object's prototype in naive code; no pointer may name them.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A JSON Pointer (RFC 6901) as its unescaped segments (`''` is the whole document).
 * Anything else, a bad `~` escape or a forbidden key is refused with `InvalidPatchError`;
 * `name` says which pointer in the message.
 */
export function parsePointer(value: unknown, name: string): string[] {
  if (typeof value !== 'string' || (value !== '' && !value.startsWith('/'))) {
    throw new InvalidPatchError(`${name} is a JSON Pointer ('' or starting with '/')`);
  }
  if (value === '') return [];
  return value
    .slice(1)
    .split('/')
    .map((segment) => {
      if (/~[^01]|~$/.test(segment))
        throw new InvalidPatchError(`${name} has a bad escape: ${value}`);
      const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
      if (FORBIDDEN.has(key))
        throw new InvalidPatchError(`${name} names the forbidden key ${JSON.stringify(key)}`);
      return key;
    });
}

/** The array index a segment names, if it is a canonical one no greater than `max`. */
export function arrayIndex(segment: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
  const index = Number(segment);
  return index <= max ? index : undefined;
}

/** The member `segment` names in `node`, or `undefined` when there is none. */
export function childAt(node: Json, segment: string): Json | undefined {
  if (Array.isArray(node)) {
    const index = arrayIndex(segment, node.length - 1);
    return index === undefined ? undefined : node[index];
  }
  if (isRecord(node) && Object.hasOwn(node, segment)) return node[segment];
  return undefined;
}
