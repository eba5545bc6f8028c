import { type Problem, problem } from './problem.js';

/** A request body read as JSON, or the problem that stops it (with headers to send). */
export type Body =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: Problem; readonly headers?: Record<string, string> };

/**
 * Reads a JSON body of one of `types`, at most `limit` bytes: 415 for another content
 * type or for any content coding (gzip and the like are not decoded, so they are refused
 * rather than read as JSON; the answer says `Accept-Encoding: identity`), 413 past the
 * limit (checked on `Content-Length` first, then while reading), 400 for text that is not
 * JSON.
 */
export async function readJson(
  request: Request,
  types: readonly string[],
  limit: number,
): Promise<Body> {
  const type =
    (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!types.includes(type)) {
    return unsupported(`Send ${types.join(' or ')}, not ${type || 'no content type'}`);
  }
  const codings = (request.headers.get('content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > 0) {
    return unsupported(`Send the body without a content coding, not ${codings.join(', ')}`, {
      'accept-encoding': 'identity',
    });
  }
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) return { ok: false, problem: tooLarge(limit) };
  const bytes = await readLimited(request, limit);
  if (bytes === undefined) return { ok: false, problem: tooLarge(limit) };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return {
      ok: false,
      problem: problem(400, 'invalid-json', 'Bad Request', 'The body is not valid UTF-8 JSON'),
    };
  }
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

const unsupported = (detail: string, headers: Record<string, string> = {}): Body => ({
  ok: false,
  problem: problem(415, 'unsupported-media-type', 'Unsupported Media Type', detail),
  headers,
});

const tooLarge = (limit: number) =>
  problem(413, 'content-too-large', 'Content Too Large', `The body is larger than ${limit} bytes`);
