import { InvalidArgumentError, InvalidVersionError } from '../core/errors.js';
import { safeDescribe } from '../core/json.js';
import type { Version, VersionKind } from '../core/metadata.js';
import { type Condition, type NormalizedCondition, normalizeCondition } from './condition.js';

/**
 * The one check a write carries. Strings name the checks without an argument.
 *
 * - `{ version }`: the stored version equals the one the writer saw.
 * - `{ token }`: the stored token equals the one given (from `getWithToken()`), whatever
 *   the collection's version kind.
 * - `'mustNotExist'`: no live document has this id (an insert).
 * - `'mustExist'`: a document exists, whatever its version.
 * - `{ notModifiedSince }`: the stored `lastModified` is at or before the given time.
 * - `{ condition }`: a predicate on the stored document holds, evaluated in the write itself.
 * - `{ revisionAbove }`: the stored revision is below `n`; the write sets the revision to `n`.
 * - `{ tryRevisionAbove }`: as `revisionAbove`, but a miss silently writes nothing.
 * - `'none'`: always passes (last write wins). An explicit opt-out, never a default.
 */
export type Check =
  | { version: Version }
  | { token: string }
  | 'mustNotExist'
  | 'mustExist'
  | { notModifiedSince: Date | number }
  | { condition: Condition }
  | { revisionAbove: number }
  | { tryRevisionAbove: number }
  | 'none';

/** A check after validation, in the form backends compile. */
export type NormalizedCheck =
  | { kind: 'version'; versionKind: VersionKind; version: Version }
  | { kind: 'mustNotExist' }
  | { kind: 'mustExist' }
  | { kind: 'notModifiedSince'; time: number }
  | { kind: 'condition'; condition: NormalizedCondition }
  | { kind: 'revisionAbove'; revision: number; silent: boolean }
  | { kind: 'none' };

/**
 * The highest revision `revisionAbove` may set: 2^52, leaving 2^52 further writes before a
 * revision leaves the range JavaScript numbers count exactly.
 */
export const MAX_SET_REVISION = 2 ** 52;

/** The largest time a Date can hold, in ms either side of the epoch (ECMAScript 21.4.1.1). */
const MAX_TIME = 8.64e15;

/** Validates a caller's check against the collection's version kind. */
export function normalizeCheck(check: Check, versionKind: VersionKind): NormalizedCheck {
  if (check === 'mustNotExist' || check === 'mustExist' || check === 'none') return { kind: check };
  if (typeof check !== 'object' || check === null || Array.isArray(check)) {
    throw new InvalidArgumentError(`Unknown check ${safeDescribe(check)}`);
  }
  const keys = Object.keys(check);
  if (keys.length !== 1) {
    throw new InvalidArgumentError(
      `A check names exactly one kind, got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    );
  }
  if ('version' in check) {
    return { kind: 'version', versionKind, version: validateVersion(check.version, versionKind) };
  }
  if ('token' in check) {
    return {
      kind: 'version',
      versionKind: 'token',
      version: validateVersion(check.token, 'token'),
    };
  }
  if ('notModifiedSince' in check) {
    const value = check.notModifiedSince;
    const time = value instanceof Date ? value.getTime() : value;
    // Within the range of a Date, so every backend can bind it as a 64-bit integer; whole
    // milliseconds, as stored times are (rounding down keeps the meaning of `<=`).
    if (typeof time !== 'number' || !Number.isFinite(time) || Math.abs(time) > MAX_TIME) {
      throw new InvalidArgumentError(
        `notModifiedSince takes a valid Date or milliseconds within ±${MAX_TIME}, got ${safeDescribe(time)}`,
      );
    }
    return { kind: 'notModifiedSince', time: Math.floor(time) };
  }
  if ('condition' in check) {
    return { kind: 'condition', condition: normalizeCondition(check.condition) };
  }
  if ('revisionAbove' in check || 'tryRevisionAbove' in check) {
    const silent = 'tryRevisionAbove' in check;
    const revision = validateRevision(silent ? check.tryRevisionAbove : check.revisionAbove);
    if (revision > MAX_SET_REVISION) {
      throw new InvalidVersionError(
        `revisionAbove sets revisions up to ${MAX_SET_REVISION}, so that later writes still count in safe integers; got ${revision}`,
      );
    }
    return { kind: 'revisionAbove', revision, silent };
  }
  throw new InvalidArgumentError(`Unknown check ${safeDescribe(check)}`);
}

/** A revision is a positive safe integer; a token a non-empty string of at most 200 chars. */
export function validateVersion(value: unknown, versionKind: VersionKind): Version {
  if (versionKind === 'revision') return validateRevision(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new InvalidVersionError(
      `This collection's version is a token: a non-empty string, got ${safeDescribe(value)}`,
    );
  }
  return value;
}

function validateRevision(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidVersionError(
      `A revision is a positive safe integer, got ${safeDescribe(value)}`,
    );
  }
  return value;
}
