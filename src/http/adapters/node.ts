import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchHandler } from '../resource.js';

/**
 * Serves a Fetch handler from Node's `http` server: `http.createServer(toNodeListener(handler))`.
 * The request URL is taken from the path only (never from the Host header).
 */
export function toNodeListener(
  handler: FetchHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serveNode(handler, req, res);
  };
}

/** Runs one Node request through a Fetch handler; `body` when a framework already read it. */
export async function serveNode(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body?: Uint8Array,
  path: string = req.url ?? '/',
): Promise<void> {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = req.method ?? 'GET';
    const withBody = method !== 'GET' && method !== 'HEAD';
    // Appended, not resolved: a path like '//host/x' must stay a path, not become a host.
    const request = new Request(`http://localhost${path.startsWith('/') ? path : `/${path}`}`, {
      method,
      headers,
      ...(withBody
        ? { body: body ?? (Readable.toWeb(req) as ReadableStream<Uint8Array>), duplex: 'half' }
        : {}),
    } as RequestInit);
    await writeResponse(res, await handler(request));
  } catch {
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader('content-type', 'application/problem+json');
      res.end(
        JSON.stringify({
          type: 'urn:noclobber:problem:internal',
          title: 'Internal Server Error',
          status: 500,
        }),
      );
    } else {
      res.destroy();
    }
  }
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
  for await (const chunk of response.body) {
    // Respect backpressure: a slow client must not make the whole body pile up in memory.
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}
