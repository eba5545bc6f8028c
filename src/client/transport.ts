import {
  HttpError,
  NetworkError,
  PreconditionRequiredError,
  type Problem,
  WriteRefusedError,
} from './errors.js';
import type { FetchLike } from './types.js';

/** How the client reaches the server: its base URL, fetch, and headers for every request. */
export interface Transport {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the client has a fetch or headers of its own, which EventSource cannot use. */
  readonly custom: boolean;
}

/** The URL of a path under the base URL (`orders/o-1`: each segment percent-encoded). */
export function urlOf(transport: Transport, segments: readonly string[], query = ''): string {
  const base = transport.baseUrl.replace(/\/+$/, '');
  return `${base}/${segments.map(encodeURIComponent).join('/')}${query}`;
}

/**
 * Sends a request and returns the response, whatever its status. A request that gets no
 * answer at all (offline, connection refused or reset) rejects with `NetworkError`; an
 * abort rejects as the signal says.
 */
export async function send(
  transport: Transport,
  url: string,
  init: RequestInit & { headers?: Record<string, string> },
): Promise<Response> {
  try {
    return await transport.fetch(url, {
      ...init,
      headers: { ...transport.headers, ...init.headers },
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new NetworkError(`No answer from ${url}`, { cause: error });
  }
}

/** The typed error of a response that is not a success (its body read as a problem). */
export async function failureOf(response: Response): Promise<HttpError> {
  const problem = await problemOf(response);
  if (response.status === 428) return new PreconditionRequiredError(428, problem);
  if (response.status === 409) return new WriteRefusedError(409, problem);
  return new HttpError(response.status, problem);
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as unknown;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Problem;
  } catch {
    // Not a problem body (a proxy's page, say): keep what it said.
  }
  return { status: response.status, title: response.statusText, detail: text.slice(0, 200) };
}
