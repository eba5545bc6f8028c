import { InvalidDocumentError, InvalidIdError } from '../core/errors.js';
import { hasControlCharacter, isPlainObject, safeDescribe } from '../core/json.js';
import { hasExponent, numberInFull, stringifyInFull } from '../core/numbers-in-full.js';

/** Longest id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 512;
/** Deepest nesting of objects and arrays a document may have. */
export const MAX_DEPTH = 128;

// Keys that change an object's prototype when assigned by naive merge or clone code,
// here or in the application. Refusing them on the way in keeps stored data harmless.
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/**
 * Checks an id: a non-empty string of at most 512 characters, well-formed Unicode, no
 * control characters. Quotes, slashes and any other Unicode are fine: ids only ever
 * reach SQL as bound parameters.
 */
export function validateId(id: unknown): string {
  if (typeof id !== 'string') {
    throw new InvalidIdError(`An id is a string, got ${safeDescribe(id)}`);
  }
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new InvalidIdError(`An id has 1 to ${MAX_ID_LENGTH} characters, got ${id.length}`);
  }
  if (hasControlCharacter(id) || !id.isWellFormed()) {
    throw new InvalidIdError(
      `The id ${JSON.stringify(id.slice(0, 50))} holds a control character or a lone surrogate`,
    );
  }
  return id;
}

/**
 * Turns an entity into the JSON text that is stored: a plain object of JSON values only,
 * without the collection's version field (the store keeps the version as metadata), at
 * most `maxBytes` long, with every number written in full (see `numbers-in-full.ts`).
 * Anything JSON would silently change (Dates, Maps, class instances, NaN, undefined in
 * arrays) is refused rather than stored differently; with `dates` (a collection whose
 * schema revives them on read), a valid `Date` is stored as its ISO string.
 */
export function serializeDocument(
  entity: unknown,
  options: { versionField: string | undefined; maxBytes: number; dates?: boolean },
): string {
  if (!isPlainObject(entity)) {
    throw new InvalidDocumentError(`A document is a plain object, got ${safeDescribe(entity)}`);
  }
  let longer: number;
  try {
    longer = checkValue(entity, 0, options.dates === true);
  } catch (error) {
    if (error instanceof BadValue) throw new InvalidDocumentError(error.message(where(error)));
    throw error;
  }
  let body: object = entity;
  if (options.versionField !== undefined && Object.hasOwn(entity, options.versionField)) {
    const { [options.versionField]: _version, ...rest } = entity;
    body = rest;
  }
  const json = JSON.stringify(body);
  // A UTF-16 code unit takes at most 3 bytes of UTF-8, so short text needs no count.
  if ((json.length + longer) * 3 > options.maxBytes) {
    const bytes = Buffer.byteLength(json) + longer;
    if (bytes > options.maxBytes) {
      const numbers = longer > 0 ? ', its numbers written in full,' : '';
      throw new InvalidDocumentError(
        `The document${numbers} is ${bytes} bytes of JSON, more than the limit of ${options.maxBytes}`,
      );
    }
  }
  return longer > 0 ? stringifyInFull(body) : json;
}

/**
 * A value JSON cannot hold, found by `checkValue`. The walk builds no path as it goes
 * (a string per field of every document saved cost more than the checks): each level
 * the failure passes on its way out adds its key, and the message is made at the top.
 */
class BadValue {
  /** Keys and array indexes from the bad value up to the document. */
  readonly segments: (string | number)[] = [];
  constructor(readonly message: (where: string) => string) {}
}

// Checks `value` and returns how many bytes longer its JSON is with its numbers written in
// full than as `JSON.stringify` writes them.
function checkValue(value: unknown, depth: number, dates: boolean): number {
  switch (typeof value) {
    case 'string':
      checkText(value);
      return 0;
    case 'boolean':
      return 0;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new BadValue((at) => `${at} is ${value}, which JSON cannot hold`);
      }
      return hasExponent(value) ? numberInFull(value).length - String(value).length : 0;
    case 'object':
      break;
    default:
      throw new BadValue((at) => `${at} is a ${typeof value}, which JSON cannot hold`);
  }
  if (value === null) return 0;
  if (depth >= MAX_DEPTH) {
    throw new BadValue(
      () => `The document nests deeper than ${MAX_DEPTH} levels (or holds a cycle)`,
    );
  }
  let longer = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      try {
        if (value[i] === undefined) throw new BadValue((at) => `${at} is undefined`);
        longer += checkValue(value[i], depth + 1, dates);
      } catch (error) {
        if (error instanceof BadValue) error.segments.push(i);
        throw error;
      }
    }
    return longer;
  }
  if (!isPlainObject(value)) {
    if (value instanceof Date) checkDate(value, dates);
    else {
      const name = Object.getPrototypeOf(value)?.constructor?.name ?? 'object';
      throw new BadValue(
        (at) => `${at} is a ${name}; documents hold plain objects and arrays only`,
      );
    }
    return 0;
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new BadValue((at) => `${at} has symbol keys, which JSON cannot hold`);
  }
  for (const key of Object.keys(value)) {
    checkText(key);
    if (FORBIDDEN_KEYS.has(key)) {
      throw new BadValue((at) => `${at} has the forbidden key ${JSON.stringify(key)}`);
    }
    const child = value[key];
    if (child === undefined) continue;
    try {
      longer += checkValue(child, depth + 1, dates);
    } catch (error) {
      if (error instanceof BadValue) error.segments.push(key);
      throw error;
    }
  }
  return longer;
}

// A Date is stored as its ISO string only where a schema turns that back into a Date on
// read; anywhere else it would come back a string, so it is refused with the two ways out.
function checkDate(date: Date, dates: boolean): void {
  if (!dates) {
    throw new BadValue(
      (at) =>
        `${at} is a Date, which JSON would store as a string and read back as one: store date.toISOString(), or give the collection a schema that revives dates (see docs/schemas.md)`,
    );
  }
  if (Number.isNaN(date.getTime())) {
    throw new BadValue((at) => `${at} is an invalid Date`);
  }
}

// Every backend must store what every other stores: PostgreSQL's jsonb holds neither NUL
// characters nor lone surrogates, so no document may hold them.
function checkText(text: string): void {
  if (text.includes('\u0000') || !text.isWellFormed()) {
    throw new BadValue(
      (at) => `${at} holds a NUL character or a lone surrogate, which JSON storage cannot keep`,
    );
  }
}

// "The document", or "Field a.b[2].c" for the bad value's place.
function where(bad: BadValue): string {
  let path = '';
  for (let i = bad.segments.length - 1; i >= 0; i--) {
    const segment = bad.segments[i] as string | number;
    if (typeof segment === 'number') path = `${path}[${segment}]`;
    else path = path ? `${path}.${segment}` : segment;
  }
  return path === '' ? 'The document' : `Field ${path}`;
}
