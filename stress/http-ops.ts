import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHandler, toNodeListener } from '../src/http/index.js';
import type { Collection, DocumentStore, RetryOptions } from '../src/index.js';
import { anyCounter, type Doc, keyOf, type WorkerContext } from './context.js';
import { type Change, chain } from './model.js';
import type { Accepted } from './outcome.js';

// Writes through noclobber/http, served by the node adapter on loopback: the unpinned
// preconditions (If-Match: *, If-None-Match: *, PATCH without If-Match) and the pinned
// ones (If-Match: "<revision>"), each recorded from its status and ETag. The server names
// no actor, so a write marks its version with a `mark` field in its body; a DELETE has no
// body and stays unmarked.

/** Serves `docs` of `store` on 127.0.0.1; resolves to the base URL and how to stop. */
export async function serveHttp(
  store: DocumentStore,
  docs: Collection<Doc>,
  retry: RetryOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createHandler(store, {
    collections: [docs as Collection<object>],
    retry,
    // Failures are the run's subject: counted in its history, not logged one by one.
    onError: () => {},
  });
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Statuses a refused write of this mix may get. Anything else is a bug of the run.
const REFUSED = new Set([404, 409, 412, 428, 503]);

// A 5xx leaves the outcome open when its problem says so (`outcome-unknown`) or says
// nothing; `unavailable` means nothing was written, which the audit then holds it to.
const PROBLEM = 'urn:noclobber:problem:';
const outcomeUnknown = (status: number, type: unknown) =>
  status >= 500 && type !== `${PROBLEM}unavailable`;

/** One recorded HTTP write: the request, and what a 2xx tells of the write. */
async function write(
  ctx: WorkerContext,
  id: string,
  change: Change,
  base: number | undefined,
  request: { method: string; headers: Record<string, string>; body?: { mark: string } },
): Promise<void> {
  const inv = ctx.history.invoke(ctx.name, keyOf(id), change, base, request.body?.mark);
  let response: Response;
  let type: unknown;
  try {
    response = await fetch(`${ctx.http}/docs/${id}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await response.text();
    if (response.headers.get('content-type') === 'application/problem+json') {
      type = (JSON.parse(text) as { type?: unknown }).type;
    }
  } catch (error) {
    return inv.unknown(error);
  }
  if (response.ok) {
    const etag = response.headers.get('etag');
    const accepted: Accepted = etag ? { revision: revisionOf(etag) } : {};
    return inv.ok(base === undefined ? accepted : { ...accepted, base });
  }
  const error = new Error(`${request.method} ${id}: HTTP ${response.status} ${type}`);
  if (outcomeUnknown(response.status, type)) return inv.unknown(error);
  inv.fail(error);
  if (!REFUSED.has(response.status)) throw error;
}

const revisionOf = (etag: string) => Number(JSON.parse(etag));
const json = { 'content-type': 'application/json' };
const mergePatch = { 'content-type': 'application/merge-patch+json' };

/** PUT with `If-Match: *` (replace if it exists) or `If-None-Match: *` (create only). */
export async function httpPutUnpinned(ctx: WorkerContext): Promise<void> {
  const id = anyCounter(ctx);
  const tag = ctx.tag();
  const body = { n: 1, h: chain('', tag), mark: tag };
  if (ctx.rand() < 0.5) {
    await write(ctx, id, { t: 'put', tag }, undefined, {
      method: 'PUT',
      headers: { ...json, 'if-match': '*' },
      body,
    });
  } else {
    await write(ctx, id, { t: 'ins', tag }, undefined, {
      method: 'PUT',
      headers: { ...json, 'if-none-match': '*' },
      body,
    });
  }
}

/** DELETE with `If-Match: *`: 204 carries no ETag, so its revision is not known. */
export async function httpDelete(ctx: WorkerContext): Promise<void> {
  await write(ctx, anyCounter(ctx), { t: 'del' }, undefined, {
    method: 'DELETE',
    headers: { 'if-match': '*' },
  });
}

/** PATCH without `If-Match`: a merge patch applied server-side to the current version. */
export async function httpPatchUnpinned(ctx: WorkerContext): Promise<void> {
  const value = ctx.serial();
  await write(ctx, anyCounter(ctx), { t: 'set', field: ctx.name, value }, undefined, {
    method: 'PATCH',
    headers: mergePatch,
    body: { [ctx.name]: value, mark: ctx.tag() },
  });
}

/** GET, then PUT or PATCH the next counter value with `If-Match: "<revision>"`. */
export async function httpPinned(ctx: WorkerContext): Promise<void> {
  const id = anyCounter(ctx);
  const got = await fetch(`${ctx.http}/docs/${id}`).catch(() => undefined);
  const etag = got?.headers.get('etag');
  const doc = got?.ok ? ((await got.json()) as Doc) : await got?.arrayBuffer();
  if (!etag || !doc || doc instanceof ArrayBuffer) return;
  const tag = ctx.tag();
  const next = { n: Number(doc.n ?? 0) + 1, h: chain(String(doc.h ?? ''), tag), mark: tag };
  const put = ctx.rand() < 0.5;
  await write(ctx, id, { t: 'inc', tag }, revisionOf(etag), {
    method: put ? 'PUT' : 'PATCH',
    headers: { ...(put ? json : mergePatch), 'if-match': etag },
    body: put ? { ...withoutVersion(doc), ...next } : next,
  });
}

// The stored fields other than the version (the server's business, not the body's).
function withoutVersion(doc: Doc): Omit<Doc, 'version'> {
  const { version: _, ...rest } = doc;
  return rest;
}
