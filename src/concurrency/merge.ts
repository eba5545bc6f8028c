import { InvalidDocumentError } from '../core/errors.js';

/** A JSON value as documents hold it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * How arrays are matched item by item: a field name used for every array whose items are
 * all objects carrying it (`'id'`), or one field per array path (`{ lines: 'sku' }`; array
 * items count as one step of the path, so `'orders.lines'` names `orders[*].lines`).
 * Arrays without an identity are compared as whole values.
 */
export type ArrayIdentity = string | Readonly<Record<string, string>>;

/** One path both sides changed, each differently. */
export interface MergeConflict {
  /** Where, as `a.b[sku="x"].qty`. */
  readonly path: string;
  /** The value at the path before either change (`undefined`: absent). */
  readonly original: Json | undefined;
  /** The value the concurrent writer saved. */
  readonly current: Json | undefined;
  /** The value this writer tried to save. */
  readonly attempted: Json | undefined;
}

/**
 * What decides a path both sides changed: `'fail'` (the default: the merge reports the
 * conflicts), `'ours'` (the attempted value), `'theirs'` (the current value), or a function
 * returning the value to keep (`undefined` removes the field).
 */
export type ConflictChoice =
  | 'fail'
  | 'ours'
  | 'theirs'
  | ((conflict: MergeConflict) => Json | undefined);

/** Options of a three-way merge. */
export interface MergeOptions {
  /** How to settle paths both sides changed. Default `'fail'`. */
  onConflict?: ConflictChoice;
  /** Identity keys for arrays; without one an array is one value. */
  identity?: ArrayIdentity;
}

/** The merged document, and every conflict met (settled or not). */
export interface MergeResult<T> {
  readonly merged: T;
  readonly conflicts: readonly MergeConflict[];
  /** True when a conflict was left to `'fail'`: `merged` then holds `current` there. */
  readonly failed: boolean;
}

// Keys that turn assignment into prototype changes in naive code. Inputs holding them
// are refused: they could not be saved as documents anyway.
const FORBIDDEN = new Set(['__proto__', 'constructor']);
const ABSENT = undefined;

/**
 * Three-way JSON merge: every change `attempted` made relative to `original`, applied on
 * top of `current`, at any depth. A path both sides changed to different values is a
 * conflict, settled by `options.onConflict`. The inputs are not modified; the result
 * shares nothing with them.
 */
export function mergeThreeWay<T>(
  original: T,
  current: T,
  attempted: T,
  options: MergeOptions = {},
): MergeResult<T> {
  const state: MergeState = {
    conflicts: [],
    failed: false,
    choice: options.onConflict ?? 'fail',
    identity: options.identity,
  };
  for (const [name, value] of [
    ['original', original],
    ['current', current],
    ['attempted', attempted],
  ] as const) {
    assertJson(value, name, 0);
  }
  const merged = mergeValue(original as Json, current as Json, attempted as Json, [], '', state);
  return { merged: merged as T, conflicts: state.conflicts, failed: state.failed };
}

interface MergeState {
  conflicts: MergeConflict[];
  failed: boolean;
  choice: ConflictChoice;
  identity: ArrayIdentity | undefined;
}

function mergeValue(
  o: Json | undefined,
  c: Json | undefined,
  a: Json | undefined,
  schemaPath: string[],
  path: string,
  state: MergeState,
): Json | undefined {
  if (jsonEqual(a, o)) return cloneJson(c);
  if (jsonEqual(c, o) || jsonEqual(a, c)) return cloneJson(a);
  // Both sides added the same field: what they added merges as if it had been empty.
  if (isRecord(c) && isRecord(a) && (o === undefined || isRecord(o))) {
    return mergeRecords(o ?? {}, c, a, schemaPath, path, state);
  }
  if (Array.isArray(c) && Array.isArray(a) && (o === undefined || Array.isArray(o))) {
    const base = o ?? [];
    const key = identityKey(state.identity, schemaPath, [base, c, a]);
    if (key !== undefined) return mergeArrays(base, c, a, key, schemaPath, path, state);
  }
  return settle({ path: path || '(document)', original: o, current: c, attempted: a }, state);
}

function mergeRecords(
  o: Record<string, Json>,
  c: Record<string, Json>,
  a: Record<string, Json>,
  schemaPath: string[],
  path: string,
  state: MergeState,
): Record<string, Json> {
  const out: Record<string, Json> = {};
  // Current's field order first, then fields only the attempt added, in its order.
  for (const key of unionKeys(c, a, o)) {
    const value = mergeValue(
      Object.hasOwn(o, key) ? o[key] : ABSENT,
      Object.hasOwn(c, key) ? c[key] : ABSENT,
      Object.hasOwn(a, key) ? a[key] : ABSENT,
      [...schemaPath, key],
      path ? `${path}.${key}` : key,
      state,
    );
    if (value !== undefined) setOwn(out, key, value);
  }
  return out;
}

function mergeArrays(
  o: Json[],
  c: Json[],
  a: Json[],
  key: string,
  schemaPath: string[],
  path: string,
  state: MergeState,
): Json[] {
  const byId = (items: Json[]) =>
    new Map(items.map((item) => [JSON.stringify((item as Record<string, Json>)[key]), item]));
  const [om, cm, am] = [byId(o), byId(c), byId(a)];
  const out: Json[] = [];
  for (const id of unionKeys(cm, am, om)) {
    const value = mergeValue(
      om.get(id),
      cm.get(id),
      am.get(id),
      schemaPath,
      `${path}[${key}=${id}]`,
      state,
    );
    if (value !== undefined) out.push(value);
  }
  return out;
}

function settle(conflict: MergeConflict, state: MergeState): Json | undefined {
  state.conflicts.push(conflict);
  const choice = state.choice;
  if (choice === 'ours') return cloneJson(conflict.attempted);
  if (choice === 'theirs') return cloneJson(conflict.current);
  if (choice === 'fail') {
    state.failed = true;
    return cloneJson(conflict.current);
  }
  const chosen = choice(conflict);
  assertJson(chosen, `the value chosen for ${conflict.path}`, 0, true);
  return cloneJson(chosen);
}

// The identity key that applies to arrays at this path, if every item carries it once.
function identityKey(
  identity: ArrayIdentity | undefined,
  schemaPath: string[],
  arrays: Json[][],
): string | undefined {
  if (identity === undefined) return undefined;
  const at = schemaPath.join('.');
  const key =
    typeof identity === 'string'
      ? identity
      : Object.hasOwn(identity, at)
        ? identity[at]
        : undefined;
  if (key === undefined) return undefined;
  for (const items of arrays) {
    const seen = new Set<string>();
    for (const item of items) {
      if (!isRecord(item) || !Object.hasOwn(item, key)) return undefined;
      const id = JSON.stringify(item[key]);
      if (seen.has(id)) return undefined;
      seen.add(id);
    }
  }
  return key;
}

/** The keys of several maps or records, each once, in first-seen order. */
function unionKeys(...sources: (Record<string, Json> | Map<string, Json>)[]): string[] {
  const keys = new Set<string>();
  for (const source of sources) {
    for (const key of source instanceof Map ? source.keys() : Object.keys(source)) keys.add(key);
  }
  return [...keys];
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(x: Json | undefined, y: Json | undefined): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    return x.every((item, i) => jsonEqual(item, y[i]));
  }
  const xs = Object.keys(x);
  if (xs.length !== Object.keys(y).length) return false;
  return xs.every((key) => Object.hasOwn(y, key) && jsonEqual(x[key], y[key]));
}

/** A deep copy of a JSON value made of fresh plain objects and arrays. */
export function cloneJson<T extends Json | undefined>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  const out: Record<string, Json> = {};
  for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key] as Json));
  return out as T;
}

/** Sets an own data property, whatever the key is called. */
export function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** True for plain objects (not arrays, not class instances). */
export function isRecord(value: unknown): value is Record<string, Json> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Refuses anything a merge could not hand back as plain JSON: class instances (a `Date`
 * too), functions, non-finite numbers, `__proto__`/`constructor` keys, nesting past 128
 * levels. The error names the value and its path.
 */
export function assertJson(value: unknown, name: string, depth: number, allowAbsent = false): void {
  try {
    checkJson(value, name, depth, allowAbsent);
  } catch (error) {
    if (!(error instanceof NotJson)) throw error;
    // Found again with its path only now: the walk that checks builds no paths.
    const path = pathTo(value, error.value, '');
    const at = path ? ` at ${path.slice(1)}` : '';
    const hint =
      error.value instanceof Date
        ? ": a merge works on plain JSON, so settle conflicts on documents holding Dates with a resolver of your own or 'retry'"
        : '';
    throw new InvalidDocumentError(`${name} is not plain JSON: ${kindOf(error.value)}${at}${hint}`);
  }
}

// A value that is not JSON, met deep in a walk: `assertJson` says where.
class NotJson extends Error {
  constructor(readonly value: unknown) {
    super('not JSON');
  }
}

// The path (`.a.0.b`) of the first place in `root` that holds `target`, in the order
// `checkJson` walks; `''` for the root itself.
function pathTo(root: unknown, target: unknown, path: string): string | undefined {
  if (Object.is(root, target)) return path;
  if (typeof root !== 'object' || root === null || !(Array.isArray(root) || isRecord(root))) {
    return undefined;
  }
  for (const [key, child] of Object.entries(root)) {
    const found = pathTo(child, target, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

// What a value that is not JSON is, as an error names it.
function kindOf(value: unknown): string {
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'object' && value !== null) {
    const made = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof made === 'string' && made !== '' ? `an instance of ${made}` : 'an object';
  }
  return `a ${typeof value}`;
}

function checkJson(value: unknown, name: string, depth: number, allowAbsent = false): void {
  if (value === undefined && (allowAbsent || depth > 0)) return;
  if (depth > 128) throw new InvalidDocumentError(`${name} nests deeper than 128 levels`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (Number.isFinite(value)) return;
      break;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const item of value) checkJson(item, name, depth + 1);
        return;
      }
      if (isRecord(value)) {
        for (const key of Object.keys(value)) {
          if (FORBIDDEN.has(key)) {
            throw new InvalidDocumentError(
              `${name} holds the forbidden key ${JSON.stringify(key)}`,
            );
          }
          checkJson(value[key], name, depth + 1);
        }
        return;
      }
  }
  throw new NotJson(value);
}

/**
 * Additive merge: `current` plus everything `attempted` adds. Arrays become their union
 * (items matched by identity key when one applies, else by value), objects merge field by
 * field, and for anything else the attempted value wins. Nothing `current` holds is
 * removed. The inputs are not modified.
 */
export function mergeAdditive<T>(current: T, attempted: T, identity?: ArrayIdentity): T {
  assertJson(current, 'current', 0);
  assertJson(attempted, 'attempted', 0);
  return addValue(current as Json, attempted as Json, [], identity) as T;
}

function addValue(
  c: Json,
  a: Json,
  schemaPath: string[],
  identity: ArrayIdentity | undefined,
): Json {
  if (isRecord(c) && isRecord(a)) {
    const out: Record<string, Json> = {};
    for (const key of unionKeys(c, a)) {
      const inC = Object.hasOwn(c, key);
      const inA = Object.hasOwn(a, key);
      const value =
        inC && inA
          ? addValue(c[key] as Json, a[key] as Json, [...schemaPath, key], identity)
          : cloneJson((inA ? a[key] : c[key]) as Json);
      setOwn(out, key, value);
    }
    return out;
  }
  if (Array.isArray(c) && Array.isArray(a)) {
    const key = identityKey(identity, schemaPath, [c, a]);
    const idOf = (item: Json) =>
      key === undefined ? undefined : JSON.stringify((item as Record<string, Json>)[key]);
    const out = c.map((item) => {
      const id = idOf(item);
      const match = id === undefined ? undefined : a.find((other) => idOf(other) === id);
      return match === undefined ? cloneJson(item) : addValue(item, match, schemaPath, identity);
    });
    for (const item of a) {
      const id = idOf(item);
      const present =
        id === undefined
          ? c.some((other) => jsonEqual(other, item))
          : c.some((other) => idOf(other) === id);
      if (!present) out.push(cloneJson(item));
    }
    return out;
  }
  return cloneJson(a);
}
