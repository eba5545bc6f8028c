import { InvalidArgumentError } from '../../core/errors.js';
import { isPlainObject } from '../../core/json.js';
import { type BulkChange, type BulkResult, planBulk } from '../../store/bulk.js';
import { contextOf } from '../../store/document-store.js';
import { readJson } from '../body.js';
import { type Context, etagOf, failure } from '../context.js';
import { problemResponse } from '../problem.js';

/** The path segments of the bulk routes: `POST /:collection/_update` and `…/_delete`. */
export const BULK_ROUTES = ['_update', '_delete'] as const;

const JSON_TYPES = ['application/json'];

/**
 * `POST /:collection/_update` with `{ "filter", "change", "limit"? }` and
 * `POST /:collection/_delete` with `{ "filter", "limit"? }`: `updateWhere()` and
 * `deleteWhere()` in the request's tenant, the filter evaluated by the database in the
 * write itself. 200 with `{ "items": [{ "id", "etag" }], "more" }` (a deleted document's
 * `etag` is that of its deletion), in id order; `more` is true when `limit` documents were
 * written, so more may match. `limit` 1 to 10,000, default 1,000. 400 for a malformed
 * body, filter, operations or limit, 422 when the operations do not fit a stored
 * document: then nothing at all was written.
 */
export async function bulk(ctx: Context, route: (typeof BULK_ROUTES)[number]): Promise<Response> {
  const body = await readJson(ctx.request, JSON_TYPES, ctx.settings.maxBodyBytes);
  if (!body.ok) return problemResponse(body.problem, body.headers);
  const del = route === '_delete';
  const call = del ? 'deleteWhere()' : 'updateWhere()';
  try {
    const { filter, change, limit } = requestOf(body.value, del);
    const bulkChange: BulkChange = del ? { op: 'delete' } : { op: 'apply', operations: change };
    const options = limit === undefined ? {} : { limit };
    let result: BulkResult;
    if (ctx.empty) {
      // Nothing of the collection in this tenant: judged as any request, then nothing to write.
      planBulk(ctx.c, contextOf(ctx.store).scope, filter, bulkChange, options, call);
      result = { written: [], more: false };
    } else if (del) {
      result = await ctx.store.deleteWhere(ctx.c, filter as never, options);
    } else {
      result = await ctx.store.updateWhere(ctx.c, filter as never, change as never, options);
    }
    const items = result.written.map(({ id, metadata }) => ({ id, etag: etagOf(ctx.c, metadata) }));
    return new Response(JSON.stringify({ items, more: result.more }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  } catch (error) {
    return failure(ctx, error, false);
  }
}

function requestOf(
  value: unknown,
  del: boolean,
): { filter: unknown; change: unknown; limit: number | undefined } {
  const allowed = del ? ['filter', 'limit'] : ['filter', 'change', 'limit'];
  const shape = del ? '{ "filter", "limit"? }' : '{ "filter", "change", "limit"? }';
  if (!isPlainObject(value)) throw new InvalidArgumentError(`The body is ${shape}`);
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`The body is ${shape}, not with ${unknown.join(', ')}`);
  }
  // Required even when everything is meant: `{}` says so, a forgotten filter does not.
  if (!Object.hasOwn(value, 'filter')) throw new InvalidArgumentError(`The body names a filter`);
  if (!del && !Object.hasOwn(value, 'change')) {
    throw new InvalidArgumentError('The body names a change: atomic operations such as $set');
  }
  const { limit } = value;
  if (limit !== undefined && typeof limit !== 'number') {
    throw new InvalidArgumentError('limit is an integer from 1 to 10000');
  }
  return { filter: value.filter, change: value.change, limit };
}
