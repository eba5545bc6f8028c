import { createHash } from 'node:crypto';
import type { NormalizedCondition } from '../concurrency/condition.js';
import { MISSING } from '../concurrency/condition-path.js';
import { InvalidCursorError } from '../core/errors.js';
import { type SortKey, sortRank } from './sort.js';

/**
 * Where a page ended: the sort values of its last document and that document's id. The
 * next page starts strictly after it. A value stands for its rank (see `sortRank`):
 * numbers and strings as themselves, arrays as `[]` and objects as `{}` (each rank ties
 * within itself), a missing field as `MISSING`.
 */
export interface CursorPosition {
  readonly values: readonly unknown[];
  readonly id: string;
}

/**
 * What a cursor is bound to: the collection, the filter and the sort of the query that
 * handed it out. The limit is free to change between pages.
 */
export function queryFingerprint(
  collection: string,
  filter: NormalizedCondition | null,
  sort: readonly SortKey[],
): string {
  return JSON.stringify([collection, filter && canonicalText(filter), sort]);
}

// The text of a filter whatever the order its tests were written in (an object's keys, a
// query string's parameters): the items of each `and` and `or`, which mean the same in any
// order, sorted by their own text, so the same query takes the cursors it hands out.
function canonicalText(filter: NormalizedCondition): string {
  switch (filter.op) {
    case 'and':
    case 'or':
      return JSON.stringify([filter.op, filter.items.map(canonicalText).sort()]);
    case 'not':
      return JSON.stringify(['not', canonicalText(filter.item)]);
    default:
      return JSON.stringify(filter);
  }
}

// A value as the cursor carries it: [rank] or [rank, value].
function encodeValue(value: unknown): [number] | [number, number | string] {
  const rank = sortRank(value);
  return typeof value === 'number' || typeof value === 'string' ? [rank, value] : [rank];
}

const REPRESENTATIVE: Record<number, unknown> = { 0: MISSING, 1: null, 2: false, 3: true };

function decodeValue(item: unknown): unknown {
  if (!Array.isArray(item)) return undefined;
  const [rank, value] = item as unknown[];
  if (item.length === 1 && typeof rank === 'number') {
    if (rank in REPRESENTATIVE) return REPRESENTATIVE[rank];
    if (rank === 6) return [];
    if (rank === 7) return {};
  }
  if (item.length === 2 && rank === 4 && typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (item.length === 2 && rank === 5 && typeof value === 'string' && storable(value)) {
    return value;
  }
  return undefined;
}

// What no document can hold (a NUL, a lone surrogate) is no position: PostgreSQL refuses
// it even as a parameter, and the seal alone does not keep a made-up cursor out.
const storable = (text: string) => !text.includes('\u0000') && text.isWellFormed();

// Binds a cursor to its query: a cursor from another query, or altered, fails this check.
const seal = (fingerprint: string, payload: string) =>
  createHash('sha256')
    .update(fingerprint)
    .update('\u0000')
    .update(payload)
    .digest('base64url')
    .slice(0, 16);

/**
 * The opaque cursor of a position: base64url of the position's JSON and a seal over it and
 * the query's fingerprint. The seal finds a cursor handed out by another query, and
 * mistakes; it is no secret, and a cursor reveals the sort values it holds.
 */
export function encodeCursor(fingerprint: string, position: CursorPosition): string {
  const payload = JSON.stringify([position.values.map(encodeValue), position.id]);
  return `${Buffer.from(payload).toString('base64url')}.${seal(fingerprint, payload)}`;
}

/**
 * The position a cursor holds, for the query of `fingerprint` with `keys` sort keys.
 * Throws `InvalidCursorError` for anything this query did not hand out.
 */
export function decodeCursor(cursor: unknown, fingerprint: string, keys: number): CursorPosition {
  // No bound on its length: a cursor holds the sort values of a document, as long as the
  // document allows, and one this store handed out is always taken back. Checking it costs
  // a pass over what the caller sent.
  if (typeof cursor !== 'string') {
    throw new InvalidCursorError('A cursor is the string a previous page returned as next');
  }
  const [data = '', sealed, extra] = cursor.split('.');
  const payload = /^[A-Za-z0-9_-]*$/.test(data) ? Buffer.from(data, 'base64url').toString() : '';
  if (extra !== undefined || sealed !== seal(fingerprint, payload)) {
    throw new InvalidCursorError(
      'This cursor was not handed out by this query (another collection, filter or sort), or was altered',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    parsed = undefined;
  }
  const [values, id] = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  const decoded = Array.isArray(values) ? values.map(decodeValue) : [];
  if (
    typeof id !== 'string' ||
    !storable(id) ||
    decoded.length !== keys ||
    decoded.includes(undefined)
  ) {
    throw new InvalidCursorError('This cursor does not hold a position of this query');
  }
  return { values: decoded, id };
}
