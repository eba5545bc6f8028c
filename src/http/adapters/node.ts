import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { type ErrorReporter, reportToStderr, safely } from '../report.js';
import type { FetchHandler } from '../resource.js';

/** Options of `toNodeListener()`. */
export interface NodeListenerOptions {
  /**
   * Told of every error the listener answers with 500 itself (the handler rejected, or
   * the response broke off), with its cause. Default: a JSON line on stderr.
   */
  onError?: ErrorReporter;
}

/**
 * Serves a Fetch handler from Node's `http` server: `http.createServer(toNodeListener(handler))`.
 * The request URL is taken from the path only (never from the Host header). An error the
 * handler does not answer is reported to `onError` and answered 500, never dropped.
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const report = options.onError ?? reportToStderr;
  return (req, res) => {
    serveNode(handler, req, res).catch((error: unknown) => {
      safely(report, error, req);
      answerInternal(res);
    });
  };
}

/**
 * Runs one Node request through a Fetch handler; `body` when a framework already read it.
 * Rejects when the handler does, or when the response cannot be written (the connection
 * is then destroyed), so the caller's error handling sees every failure.
 */
export async function serveNode(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body?: Uint8Array,
  path: string = req.url ?? '/',
): Promise<void> {
  const response = await respond(handler, req, body, path);
  try {
    await writeResponse(res, response);
  } catch (error) {
    res.destroy();
    throw error;
  }
}

// Methods a Fetch `Request` cannot carry (the Fetch standard forbids them).
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * The handler's response to a Node request, without writing it. Methods the Fetch API
 * cannot carry are answered 501 here: the handler never sees them.
 */
export async function respond(
  handler: FetchHandler,
  req: IncomingMessage,
  body?: Uint8Array,
  path: string = req.url ?? '/',
): Promise<Response> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (FORBIDDEN_METHODS.has(method)) return notImplemented(method);
  // Built from the raw lines: Node keeps only the first of some repeated headers (e.g.
  // If-Unmodified-Since), and a repeated condition must be refused, not half read.
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const withBody = method !== 'GET' && method !== 'HEAD';
  // Appended, not resolved: a path like '//host/x' must stay a path, not become a host.
  const request = new Request(`http://localhost${path.startsWith('/') ? path : `/${path}`}`, {
    method,
    headers,
    ...(withBody
      ? { body: body ?? (Readable.toWeb(req) as ReadableStream<Uint8Array>), duplex: 'half' }
      : {}),
  } as RequestInit);
  return handler(request);
}

/** Writes a Fetch `Response` to a Node response. */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (!response.body) {
    res.end();
    return;
  }
  // A client that goes away while the body waits (an idle event stream) cancels the body
  // at once, rather than at its next chunk.
  const reader = response.body.getReader();
  const gone = () => void reader.cancel().catch(() => {});
  res.once('close', gone);
  try {
    let next = reader.read();
    // Node sends the headers with the first bytes of the body: a body with nothing to
    // send yet (an event stream waiting for its first change) sends them now, so the
    // client sees the response open rather than waiting for those bytes.
    if (!(await settledAtOnce(next))) res.flushHeaders();
    for (;;) {
      const { value, done } = await next;
      // A client that went away reads no more.
      if (done || res.destroyed) break;
      // Respect backpressure: a slow client must not make the whole body pile up in memory.
      if (!res.write(value)) await drained(res);
      next = reader.read();
    }
  } finally {
    res.off('close', gone);
    reader.releaseLock();
  }
  if (res.destroyed) {
    await response.body.cancel().catch(() => {});
    return;
  }
  res.end();
}

// Whether `promise` settles before the event loop turns: a chunk already queued (or made
// by a synchronous pull) does, one that waits for I/O or a timer does not.
function settledAtOnce(promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const turned = setImmediate(() => resolve(false));
    const settled = () => {
      clearImmediate(turned);
      resolve(true);
    };
    promise.then(settled, settled);
  });
}

// Until `res` can take more, or is closed; the listener not fired is taken off again, so
// a long stream to a slow client does not gather them.
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Answers 500 as a problem detail if nothing was sent yet; else cuts the connection. */
export function answerInternal(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.setHeader('content-type', 'application/problem+json');
  res.end(
    JSON.stringify({
      type: 'urn:noclobber:problem:internal',
      title: 'Internal Server Error',
      status: 500,
    }),
  );
}

const notImplemented = (method: string) =>
  new Response(
    JSON.stringify({
      type: 'urn:noclobber:problem:not-implemented',
      title: 'Not Implemented',
      status: 501,
      detail: `${method} is not supported`,
    }),
    { status: 501, headers: { 'content-type': 'application/problem+json' } },
  );
