import type { Check } from '../concurrency/check.js';
import {
  DocumentNotFoundError,
  InvalidArgumentError,
  UnknownCollectionError,
} from '../concurrency/errors.js';
import { type DocumentPatch, documentPatcher } from '../concurrency/patch.js';
import type { RetryOptions } from '../concurrency/retry.js';
import type { Collection } from '../store/collection.js';
import type { DocumentStore } from '../store/document-store.js';
import type { DocumentMetadata } from '../store/metadata.js';
import { isPlainObject } from '../store/validate.js';
import { readJson } from './body.js';
import { formatETag } from './etag.js';
import { formatHttpDate } from './http-date.js';
import {
  type Current,
  directCheck,
  evaluatePreconditions,
  hasWritePrecondition,
  readPreconditions,
} from './preconditions.js';
import { type Problem, problem, problemOf, problemResponse } from './problem.js';

/** Options of `createHandler()`. */
export interface HandlerOptions {
  /**
   * The collections served (others answer 404), or `'any'`: a valid name is declared by
   * the first write to it (at most 1,000 names); reads of undeclared names answer 404.
   */
  collections: readonly Collection<object>[] | 'any';
  /** A path prefix to strip before routing, e.g. `'/api'`. */
  basePath?: string;
  /** The tenant of a request (from a header, a path, a token); `undefined` for the store's own. */
  tenant?: (request: Request) => string | undefined;
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
}

/** A Fetch API handler, as Hono, Deno, Bun and the adapters in `noclobber/http` take. */
export type FetchHandler = (request: Request) => Promise<Response>;

const JSON_TYPES = ['application/json'];
const MAX_DECLARED = 1000;
const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

/**
 * The document resource over HTTP: `GET`/`HEAD`/`PUT`/`PATCH`/`DELETE /:collection/:id`,
 * `POST /:collection`, `GET /:collection/_changes?since=`. Conditional requests follow
 * RFC 9110 and run in the database with the write; errors are RFC 9457 problem details.
 */
export function createHandler(store: DocumentStore, options: HandlerOptions): FetchHandler {
  const settings = {
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    requirePreconditions: options.requirePreconditions ?? true,
    retry: options.retry,
    basePath: (options.basePath ?? '').replace(/\/+$/, ''),
  };
  const served =
    options.collections === 'any'
      ? undefined
      : new Map(options.collections.map((c) => [c.name, c]));
  // Under 'any', a name is declared by the first write to it, and at most MAX_DECLARED of
  // them: reads of unknown names must not grow the store's collections without bound.
  let declared = 0;
  const collectionOf = (target: DocumentStore, name: string, method: string) => {
    if (!served) {
      const known = target.findCollection(name);
      if (known) return known;
      if (method === 'GET' || method === 'HEAD' || declared >= MAX_DECLARED) {
        throw new UnknownCollectionError(name);
      }
      const made = target.collection(name);
      declared++;
      return made;
    }
    const found = served.get(name);
    if (!found) throw new UnknownCollectionError(name);
    return found;
  };
  return async (request) => {
    try {
      const route = routeOf(request, settings.basePath);
      if ('problem' in route) return problemResponse(route.problem);
      const tenant = options.tenant?.(request);
      const target = tenant === undefined ? store : store.withTenant(tenant);
      const c = collectionOf(target, route.collection, request.method);
      const ctx: Context = { request, store: target, c, settings };
      if (route.id === undefined) {
        if (request.method === 'POST') return await create(ctx);
        return notAllowed('POST');
      }
      if (route.id === '_changes') {
        if (request.method === 'GET') return await changes(ctx);
        return notAllowed('GET');
      }
      switch (request.method) {
        case 'GET':
        case 'HEAD':
          return await read(ctx, route.id);
        case 'PUT':
          return await replace(ctx, route.id);
        case 'PATCH':
          return await patch(ctx, route.id);
        case 'DELETE':
          return await remove(ctx, route.id);
        default:
          return notAllowed('GET, HEAD, PUT, PATCH, DELETE');
      }
    } catch (error) {
      return problemResponse(problemOf(error, false));
    }
  };
}

interface Context {
  readonly request: Request;
  readonly store: DocumentStore;
  readonly c: Collection<Record<string, unknown>> | Collection<object>;
  readonly settings: {
    maxBodyBytes: number;
    requirePreconditions: boolean;
    retry: RetryOptions | undefined;
  };
}

type Route = { collection: string; id: string | undefined } | { problem: Problem };

function routeOf(request: Request, basePath: string): Route {
  const path = new URL(request.url).pathname;
  if (basePath && !(path === basePath || path.startsWith(`${basePath}/`))) return notFound();
  const parts = path.slice(basePath.length).split('/').slice(1);
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === '')) return notFound();
  try {
    const [collection, id] = parts.map((p) => decodeURIComponent(p));
    return { collection: collection as string, id };
  } catch {
    return {
      problem: problem(400, 'bad-path', 'Bad Request', 'The path is not valid percent-encoding'),
    };
  }
}

const notFound = (): Route => ({
  problem: problem(404, 'not-found', 'Not Found', 'No such resource'),
});

const notAllowed = (allow: string) =>
  problemResponse(problem(405, 'method-not-allowed', 'Method Not Allowed', `Use ${allow}`), {
    allow,
  });

const etagOf = (c: Context['c'], metadata: DocumentMetadata) => formatETag(metadata[c.versionKind]);

function documentResponse(
  ctx: Context,
  status: number,
  document: object,
  metadata: DocumentMetadata,
  extra: Record<string, string> = {},
): Response {
  const headers = {
    'content-type': 'application/json',
    etag: etagOf(ctx.c, metadata),
    'last-modified': formatHttpDate(metadata.lastModified),
    ...extra,
  };
  const body = ctx.request.method === 'HEAD' ? null : JSON.stringify(document);
  return new Response(body, { status, headers });
}

const currentOf = (c: Context['c'], metadata: DocumentMetadata): Current => ({
  etag: String(metadata[c.versionKind]),
  lastModified: metadata.lastModified,
});

// The check that pins a write to the version its preconditions were judged against.
const pinned = (c: Context['c'], metadata: DocumentMetadata | undefined): Check => {
  if (!metadata) return 'mustNotExist';
  return c.versionKind === 'token' ? { token: metadata.token } : { version: metadata.revision };
};

const noDocument = (id: string) =>
  problemResponse(problem(404, 'not-found', 'Not Found', `No document ${id}`));

const preconditionFailed = (detail: string) =>
  problemResponse(problem(412, 'precondition-failed', 'Precondition Failed', detail));

async function read(ctx: Context, id: string): Promise<Response> {
  const p = readPreconditions(ctx.request.headers, ctx.request.method);
  const found = await ctx.store.getWithMetadata(ctx.c, id);
  // Without its conditions this request would be a 404, so they are ignored (RFC 9110 13.2.1).
  if (!found) return noDocument(id);
  const verdict = evaluatePreconditions(p, ctx.request.method, currentOf(ctx.c, found.metadata));
  if (verdict === 'failed') return preconditionFailed(`The precondition does not hold for ${id}`);
  if (verdict === 'not-modified') {
    return new Response(null, {
      status: 304,
      headers: {
        etag: etagOf(ctx.c, found.metadata),
        'last-modified': formatHttpDate(found.metadata.lastModified),
      },
    });
  }
  return documentResponse(ctx, 200, found.document, found.metadata);
}

async function bodyDocument(ctx: Context, id: string | undefined): Promise<object | Response> {
  const body = await readJson(ctx.request, JSON_TYPES, ctx.settings.maxBodyBytes);
  if (!body.ok) return problemResponse(body.problem);
  if (!isPlainObject(body.value)) {
    return problemResponse(
      problem(400, 'invalid-document', 'Bad Request', 'A document is a JSON object'),
    );
  }
  const document = body.value as Record<string, unknown>;
  const field = ctx.c.idField;
  if (id === undefined) {
    if (Object.hasOwn(document, field)) {
      return problemResponse(
        problem(
          400,
          'invalid-document',
          'Bad Request',
          `POST makes the id; PUT to /${ctx.c.name}/<id> to choose one`,
        ),
      );
    }
    return document;
  }
  if (Object.hasOwn(document, field) && document[field] !== id) {
    return problemResponse(
      problem(400, 'invalid-document', 'Bad Request', `The body's ${field} differs from the path`),
    );
  }
  return { ...document, [field]: id };
}

async function replace(ctx: Context, id: string): Promise<Response> {
  const p = readPreconditions(ctx.request.headers, ctx.request.method);
  const document = await bodyDocument(ctx, id);
  if (document instanceof Response) return document;
  const save = async (
    check: Check,
    preconditioned: boolean,
    creates?: boolean,
  ): Promise<Response> => {
    try {
      const result = await ctx.store.put(ctx.c, document, { check });
      if (!result.written) throw new Error('A put with this check always writes');
      const created = creates ?? check === 'mustNotExist';
      return documentResponse(
        ctx,
        created ? 201 : 200,
        document,
        result.metadata,
        created ? { location: locationOf(id) } : {},
      );
    } catch (error) {
      if (preconditioned && error instanceof DocumentNotFoundError) {
        return preconditionFailed(`${ctx.c.name}/${id} does not exist`);
      }
      return problemResponse(
        problemOf(error, preconditioned, ctx.request.headers.get('if-match') ?? undefined),
      );
    }
  };
  if (!hasWritePrecondition(p)) {
    if (!ctx.settings.requirePreconditions) {
      const existed = (await ctx.store.getMetadata(ctx.c, id)) !== null;
      return save('none', false, !existed);
    }
    try {
      return await saveNew(ctx, id, document);
    } catch (error) {
      if ((error as { code?: string }).code === 'DUPLICATE_DOCUMENT')
        return preconditionRequired(ctx, id);
      throw error;
    }
  }
  const direct = directCheck(p, ctx.c.versionKind);
  if (direct === 'failed')
    return preconditionFailed(`No version of ${ctx.c.name}/${id} has that ETag`);
  if (direct) return save(direct, true);
  const found = await ctx.store.getWithMetadata(ctx.c, id);
  const verdict = evaluatePreconditions(
    p,
    'PUT',
    found ? currentOf(ctx.c, found.metadata) : undefined,
  );
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  return save(pinned(ctx.c, found?.metadata), true);
}

async function saveNew(ctx: Context, id: string, document: object): Promise<Response> {
  const result = await ctx.store.insert(ctx.c, document);
  if (!result.written) throw new Error('An insert always writes');
  return documentResponse(ctx, 201, document, result.metadata, { location: locationOf(id) });
}

// A relative reference: an adapter may have stripped a mount path from the URL seen here,
// so only the last segment is ours to name; clients resolve it against their own URL.
const locationOf = (id: string) => encodeURIComponent(id);

function preconditionRequired(ctx: Context, id: string): Response {
  return problemResponse(
    problem(
      428,
      'precondition-required',
      'Precondition Required',
      `${ctx.c.name}/${id} exists: send If-Match with its ETag (or If-None-Match: * to create only)`,
    ),
  );
}

async function patch(ctx: Context, id: string): Promise<Response> {
  const p = readPreconditions(ctx.request.headers, ctx.request.method);
  const type = (ctx.request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const body = await readJson(ctx.request, [MERGE_PATCH, JSON_PATCH], ctx.settings.maxBodyBytes);
  if (!body.ok) return problemResponse(body.problem);
  const jsonPatch = type === JSON_PATCH;
  if (jsonPatch !== Array.isArray(body.value)) {
    return problemResponse(
      problem(
        422,
        'invalid-patch',
        'Unprocessable Content',
        jsonPatch ? 'A JSON Patch is an array' : 'A merge patch of a document is an object',
      ),
    );
  }
  const change = body.value as DocumentPatch;
  if (!hasWritePrecondition(p)) {
    // The seed's endpoint: applied server-side to the current version, with retries.
    let metadata: DocumentMetadata | undefined;
    const saved = await ctx.store.patch(ctx.c, id, change, {
      ...(ctx.settings.retry ? { retry: ctx.settings.retry } : {}),
      onSaved: (m) => {
        metadata = m;
      },
    });
    if (!metadata) throw new Error('patch() saved without metadata');
    return documentResponse(ctx, 200, saved, metadata);
  }
  const found = await ctx.store.getWithMetadata(ctx.c, id);
  const verdict = evaluatePreconditions(
    p,
    'PATCH',
    found ? currentOf(ctx.c, found.metadata) : undefined,
  );
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  if (!found) return noDocument(id);
  const apply = documentPatcher(change, ctx.c, ctx.store.patchLimits);
  const document = apply(found.document);
  if ((document as Record<string, unknown>)[ctx.c.idField] !== id) {
    throw new InvalidArgumentError(`A patch cannot change the id of ${ctx.c.name}/${id}`);
  }
  try {
    const result = await ctx.store.put(ctx.c, document, { check: pinned(ctx.c, found.metadata) });
    if (!result.written) throw new Error('A pinned put always writes');
    return documentResponse(ctx, 200, document, result.metadata);
  } catch (error) {
    return problemResponse(
      problemOf(error, true, ctx.request.headers.get('if-match') ?? undefined),
    );
  }
}

async function remove(ctx: Context, id: string): Promise<Response> {
  const p = readPreconditions(ctx.request.headers, ctx.request.method);
  const done = () => new Response(null, { status: 204 });
  if (!hasWritePrecondition(p)) {
    const found = await ctx.store.getMetadata(ctx.c, id);
    if (!found) return noDocument(id);
    if (ctx.settings.requirePreconditions) return preconditionRequired(ctx, id);
    await ctx.store.delete(ctx.c, id, { check: 'mustExist' });
    return done();
  }
  const direct = directCheck(p, ctx.c.versionKind);
  if (direct === 'failed')
    return preconditionFailed(`No version of ${ctx.c.name}/${id} has that ETag`);
  let check: Check | undefined = direct !== 'mustNotExist' ? direct : undefined;
  if (!check) {
    const found = await ctx.store.getMetadata(ctx.c, id);
    if (!found) return noDocument(id);
    const verdict = evaluatePreconditions(p, 'DELETE', currentOf(ctx.c, found));
    if (verdict !== 'proceed') {
      return preconditionFailed(`The precondition does not hold for ${id}`);
    }
    check = pinned(ctx.c, found);
  }
  try {
    await ctx.store.delete(ctx.c, id, { check });
    return done();
  } catch (error) {
    if (error instanceof DocumentNotFoundError) {
      return noDocument(id);
    }
    return problemResponse(
      problemOf(error, true, ctx.request.headers.get('if-match') ?? undefined),
    );
  }
}

async function create(ctx: Context): Promise<Response> {
  const document = await bodyDocument(ctx, undefined);
  if (document instanceof Response) return document;
  const result = await ctx.store.insert(ctx.c, document);
  if (!result.written) throw new Error('An insert always writes');
  return documentResponse(ctx, 201, document, result.metadata, {
    location: `${encodeURIComponent(ctx.c.name)}/${encodeURIComponent(result.id)}`,
  });
}

async function changes(ctx: Context): Promise<Response> {
  const params = new URL(ctx.request.url).searchParams;
  const number = (name: string, fallback: number) => {
    const value = params.get(name);
    if (value === null) return fallback;
    if (!/^[0-9]{1,15}$/.test(value)) {
      throw new InvalidArgumentError(`${name} is a non-negative integer`);
    }
    return Number(value);
  };
  const page = await ctx.store.changes({ since: number('since', 0), limit: number('limit', 100) });
  const body = {
    changes: page.changes.filter((change) => change.collection === ctx.c.name),
    last: page.last,
  };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}
