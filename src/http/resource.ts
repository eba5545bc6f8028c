import type { RetryOptions } from '../concurrency/retry.js';
import type { DocumentStore } from '../events/document-store.js';
import type { Collection } from '../store/collection.js';
import { collectionResolver } from './collections.js';
import { type Context, checkedId, failure, type Settings } from './context.js';
import { feedCursors } from './cursor.js';
import { type GuardOptions, guard } from './guard.js';
import { readPreconditions } from './preconditions.js';
import { type Problem, problem, problemResponse } from './problem.js';
import { type ErrorReporter, reportToStderr } from './report.js';
import { BULK_ROUTES, bulk } from './routes/bulk.js';
import { changes } from './routes/changes.js';
import { create } from './routes/create.js';
import { list } from './routes/list.js';
import { ACCEPT_PATCH, patch } from './routes/patch.js';
import { read } from './routes/read.js';
import { remove } from './routes/remove.js';
import { replace } from './routes/replace.js';
import { revision as revisionOf, revisions } from './routes/revisions.js';

/** Options of `createHandler()`. */
export interface HandlerOptions extends GuardOptions {
  /**
   * The collections served (others answer 404), or `'any'`: every valid name, for every
   * tenant, with no limit and nothing kept per request. A name is declared in the store
   * once the database holds something of it for the request's tenant, or a write creates
   * its first document; a document missing from any collection is a plain 404.
   */
  collections: readonly Collection<object>[] | 'any';
  /** A path prefix to strip before routing, e.g. `'/api'`. */
  basePath?: string;
  /** Largest request body, in bytes. Default 1 MiB; larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Refuse a PUT or DELETE of an existing document that carries no `If-Match` /
   * `If-None-Match` / `If-Unmodified-Since` with 428 Precondition Required (RFC 6585).
   * Default `true`; `false` makes such writes last-write-wins.
   */
  requirePreconditions?: boolean;
  /** Retries of a PATCH without `If-Match`, applied server-side on the current version. */
  retry?: RetryOptions;
  /**
   * Told of every 5xx the handler answers, with its cause (the database unavailable, an
   * unknown write outcome). Default: a JSON line on stderr. Errors the handler does not
   * know are not answered but rejected, for the framework's error handling to see.
   */
  onError?: ErrorReporter;
  /**
   * How often, in ms, an idle `_changes` event stream sends a comment line so that
   * proxies and clients do not time it out. Default 15,000.
   */
  eventsHeartbeat?: number;
  /**
   * The secret the `_changes` feed's cursors are sealed with (at least 32 bytes), so they
   * stay valid across restarts and between servers sharing it. Default: a random one per
   * handler.
   */
  cursorSecret?: string | Uint8Array;
  /**
   * Abort it when the server is closing: open `_changes` event streams then end at once
   * (after the event in flight) instead of holding the server open until its shutdown
   * deadline, and the clients reconnect elsewhere, resuming after their last event.
   */
  closing?: AbortSignal;
}

/** A Fetch API handler, as Hono, Deno, Bun and the adapters in `noclobber/http` take. */
export type FetchHandler = (request: Request) => Promise<Response>;

const DOCUMENT_METHODS = 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS';
// `_update` and `_delete` are documents too, and take a bulk write by POST.
const BULK_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const COLLECTION_METHODS = 'GET, HEAD, POST, OPTIONS';
const FEED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * The document resource over HTTP: `GET`/`HEAD`/`PUT`/`PATCH`/`DELETE /:collection/:id`,
 * `GET`/`HEAD /:collection?…` (a page of a query), `POST /:collection`,
 * `GET /:collection/_changes?since=`, and `OPTIONS` on each.
 * Conditional requests follow RFC 9110 and run in the database with the write; errors are
 * RFC 9457 problem details.
 */
export function createHandler(store: DocumentStore, options: HandlerOptions): FetchHandler {
  // With an access log, a 5xx's cause goes on its line rather than to stderr.
  const { handler, report } = guard(
    (request, tenant) => core(request, tenant),
    options,
    options.onError ?? (options.accessLog ? undefined : reportToStderr),
  );
  const settings: Settings = {
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    requirePreconditions: options.requirePreconditions ?? true,
    retry: options.retry,
    report: report ?? (() => {}),
    eventsHeartbeat: options.eventsHeartbeat ?? 15_000,
    cursors: feedCursors(options.cursorSecret),
    closing: options.closing,
  };
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const resolve = collectionResolver(options.collections);
  const core = async (request: Request, tenant: string | undefined): Promise<Response> => {
    try {
      const refused = refusedFraming(request);
      if (refused) return problemResponse(refused);
      const route = routeOf(request, basePath);
      if ('problem' in route) return problemResponse(route.problem);
      const target = tenant === undefined ? store : store.withTenant(tenant);
      if (route.id !== undefined && route.id !== '_changes') checkedId(route.id);
      const { c, empty } = await resolve(target, route.collection);
      const served =
        route.revision !== undefined
          ? history(request.method, route.id as string, route.revision)
          : dispatch(request.method, route.id);
      // OPTIONS and 405 answer without a route, so a condition has nothing to say to them
      // (RFC 9110 13.1.1, 13.2.1): read only for a route, before it runs.
      if (served instanceof Response) return served;
      const preconditions = readPreconditions(request.headers, request.method);
      return await served({ request, store: target, c, empty, settings, preconditions });
    } catch (error) {
      return failure({ request, settings }, error, false);
    }
  };
  return handler;
}

// A route that runs with the request's context, or the answer given without one.
type Served = ((ctx: Context) => Promise<Response> | Response) | Response;

function dispatch(method: string, id: string | undefined): Served {
  if (id === undefined) {
    if (method === 'POST') return create;
    if (method === 'GET' || method === 'HEAD') return list;
    return method === 'OPTIONS' ? options(COLLECTION_METHODS) : notAllowed(COLLECTION_METHODS);
  }
  // POST names no document route, so these two ids stay readable and writable as documents.
  const bulkRoute = BULK_ROUTES.find((route) => route === id);
  if (method === 'POST' && bulkRoute) return (ctx) => bulk(ctx, bulkRoute);
  if (id === '_changes') {
    if (method === 'GET' || method === 'HEAD') return changes;
    return method === 'OPTIONS' ? options(FEED_METHODS) : notAllowed(FEED_METHODS);
  }
  const allow = bulkRoute ? BULK_METHODS : DOCUMENT_METHODS;
  switch (method) {
    case 'GET':
    case 'HEAD':
      return (ctx) => read(ctx, id);
    case 'PUT':
      return (ctx) => replace(ctx, id);
    case 'PATCH':
      return (ctx) => patch(ctx, id);
    case 'DELETE':
      return (ctx) => remove(ctx, id);
    case 'OPTIONS':
      return options(allow, { 'accept-patch': ACCEPT_PATCH });
    default:
      return notAllowed(allow, { 'accept-patch': ACCEPT_PATCH });
  }
}

// `revision`: on `/:collection/:id/_revisions` null, on `…/_revisions/:revision` that.
type Route =
  | { collection: string; id: string | undefined; revision?: string | null }
  | { problem: Problem };

// `/:collection/:id/_revisions[/:revision]`: read only.
function history(method: string, id: string, revision: string | null): Served {
  if (method === 'GET' || method === 'HEAD') {
    return (ctx) => (revision === null ? revisions(ctx, id) : revisionOf(ctx, id, revision));
  }
  return method === 'OPTIONS' ? options(FEED_METHODS) : notAllowed(FEED_METHODS);
}

function routeOf(request: Request, basePath: string): Route {
  const path = new URL(request.url).pathname;
  if (basePath && !(path === basePath || path.startsWith(`${basePath}/`))) return notFound();
  const parts = path.slice(basePath.length).split('/').slice(1);
  const history = parts[2] === '_revisions';
  if (parts.length < 1 || parts.length > (history ? 4 : 2) || parts.some((p) => p === '')) {
    return notFound();
  }
  try {
    const [collection, id, , revision] = parts.map((p) => decodeURIComponent(p));
    if (history) return { collection: collection as string, id, revision: revision ?? null };
    return { collection: collection as string, id };
  } catch {
    return {
      problem: problem(400, 'bad-path', 'Bad Request', 'The path is not valid percent-encoding'),
    };
  }
}

// Transfer codings other than chunked (which the server has already undone) would reach
// us still encoded: refused as RFC 9112 6.1 asks, never parsed as if they were plain.
function refusedFraming(request: Request): Problem | undefined {
  const codings = (request.headers.get('transfer-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'chunked');
  if (codings.length === 0) return undefined;
  return problem(
    501,
    'not-implemented',
    'Not Implemented',
    `Transfer coding ${codings.join(', ')} is not supported; send the body chunked or with a Content-Length`,
  );
}

const notFound = (): Route => ({
  problem: problem(404, 'not-found', 'Not Found', 'No such resource'),
});

const options = (allow: string, extra: Record<string, string> = {}) =>
  new Response(null, { status: 204, headers: { allow, ...extra } });

const notAllowed = (allow: string, extra: Record<string, string> = {}) =>
  problemResponse(problem(405, 'method-not-allowed', 'Method Not Allowed', `Use ${allow}`), {
    allow,
    ...extra,
  });
