import type { Condition, Scalar } from '../concurrency/condition.js';
import { InvalidArgumentError, InvalidConditionError } from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import type { QueryOptions } from '../query/query.js';

/** A list request's query string as a `find()` call: its filter and options. */
export interface ListQuery {
  readonly filter: Condition;
  readonly options: QueryOptions;
}

const RESERVED = new Set(['filter', 'sort', 'limit', 'after']);
const FIELD = /^([^[\]]+)(?:\[(\$[A-Za-z]+)\])?$/;

/**
 * A query-string value as the filter compares it: JSON when it is a JSON scalar (`10`,
 * `-1.5`, `true`, `false`, `null`, `"10"` quoted), else the text as written (`open`).
 */
export function queryValue(raw: string): Scalar {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)) {
      return parsed as Scalar;
    }
  } catch {
    // Not JSON: the text itself.
  }
  return raw;
}

// `$in`/`$nin` take a JSON array (`[1,"a"]`) or values separated by commas (`open,paid`).
function listValue(raw: string): Scalar[] {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed as Scalar[];
  } catch {
    // Not a JSON array: a list separated by commas.
  }
  return raw === '' ? [] : raw.split(',').map(queryValue);
}

/**
 * Parses a list request's query string (`URL.search`, still percent-encoded):
 * `field=value` and `field[$op]=value` tests (all must hold), `filter=` a JSON condition
 * (combined with them by `$and`), `sort=-total,id`, `limit=` and `after=`. Throws
 * `InvalidConditionError` or `InvalidArgumentError` (400).
 */
export function parseListQuery(search: string): ListQuery {
  // URLSearchParams decodes what is not UTF-8 (`%E9`, an encoded surrogate) as U+FFFD and
  // keeps a bare `%` as text: the query would test for values the client never wrote.
  try {
    decodeURIComponent(search);
  } catch {
    throw new InvalidArgumentError('The query string is not valid percent-encoding of UTF-8');
  }
  const params = new URLSearchParams(search);
  // A field's tests are looked up in a Map: a plain object would hand `__proto__` or
  // `toString` back as Object.prototype or its methods, and the tests would be written on
  // them, for every object in the process.
  const fields = new Map<string, Record<string, unknown>>();
  const seen = new Set<string>();
  for (const [key, raw] of params) {
    if (RESERVED.has(key)) {
      if (params.getAll(key).length > 1) throw new InvalidArgumentError(`${key} is given twice`);
      continue;
    }
    const match = FIELD.exec(key);
    if (!match)
      throw new InvalidConditionError(`Cannot read the query parameter ${JSON.stringify(key)}`);
    const [, field = '', op = '$eq'] = match;
    if (seen.has(`${field}\u0000${op}`)) {
      throw new InvalidConditionError(`${field} ${op} is given twice`);
    }
    seen.add(`${field}\u0000${op}`);
    const tests = fields.get(field) ?? {};
    fields.set(field, tests);
    if (op === '$in' || op === '$nin') tests[op] = listValue(raw);
    else if (op === '$exists') tests[op] = raw === 'true' ? true : raw === 'false' ? false : raw;
    else tests[op] = queryValue(raw);
  }
  // fromEntries defines each key as an own property, `__proto__` included.
  const filter = combine(Object.fromEntries(fields) as Condition, params.get('filter'));
  const sort = params.get('sort');
  const limit = params.get('limit');
  const after = params.get('after');
  if (limit !== null && !/^[0-9]{1,5}$/.test(limit)) {
    throw new InvalidArgumentError('limit is an integer from 1 to 1000');
  }
  return {
    filter,
    options: {
      ...(sort === null ? {} : { sort: sort.split(',').filter((key) => key !== '') }),
      ...(limit === null ? {} : { limit: Number(limit) }),
      ...(after === null ? {} : { after }),
    },
  };
}

function combine(fields: Condition, json: string | null): Condition {
  if (json === null) return fields;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InvalidConditionError('filter is not JSON');
  }
  if (!isPlainObject(parsed)) throw new InvalidConditionError('filter is a JSON object');
  if (Object.keys(fields).length === 0) return parsed as Condition;
  if (Object.keys(parsed).length === 0) return fields;
  return { $and: [parsed as Condition, fields] };
}
