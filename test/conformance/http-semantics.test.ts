import { request as httpRequest } from 'node:http';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

/**
 * A request through node:http, which fetch() cannot send: methods it forbids, repeated
 * headers (`headers` as raw name/value pairs) and transfer codings of our choosing.
 */
function raw(
  url: string,
  method: string,
  headers: string[] = [],
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // Raw headers go out as given: Host too must be named.
    const all = ['host', new URL(url).host, ...headers];
    const req = httpRequest(url, { method, headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Starts a test early in a wall-clock second, so writes a few ms apart share one.
async function startOfSecond(): Promise<void> {
  const into = Date.now() % 1000;
  if (into > 600) await new Promise((resolve) => setTimeout(resolve, 1010 - into));
}

describeConformance('http semantics', (fixture) => {
  it('DELETE and PATCH with If-Match of a missing or deleted document are 404, not 412', async () => {
    const { call } = await serve(fixture());
    const del = (path: string) => call(path, { method: 'DELETE', headers: { 'if-match': '"1"' } });
    const patch = (path: string, headers: Record<string, string>) =>
      call(path, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json', ...headers },
        body: '{"total":1}',
      });
    await expectProblem(await del('/orders/never'), 404, 'not-found');
    await expectProblem(await patch('/orders/never', { 'if-match': '"1"' }), 404, 'not-found');
    await expectProblem(await del('/tokened/never'), 404, 'not-found');
    await expectProblem(
      await call('/orders/never', { method: 'DELETE', headers: { 'if-match': 'W/"1"' } }),
      404,
    );
    const { store, c } = fixture();
    await store.insert(c.orders, order('gone'));
    await store.delete(c.orders, 'gone', { check: { version: 1 } });
    await expectProblem(await del('/orders/gone'), 404, 'not-found');
    await expectProblem(await patch('/orders/gone', { 'if-match': '"2"' }), 404, 'not-found');
    await expectProblem(await patch('/orders/gone', { 'if-match': '*' }), 404, 'not-found');
    // A PUT would create without its condition, so the condition applies: 412.
    await expectProblem(
      await call('/orders/gone', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': '"2"' },
        body: JSON.stringify(order('gone')),
      }),
      412,
      'precondition-failed',
    );
    expect((await store.changes()).changes.map((ch) => ch.metadata.revision)).toEqual([2]);
  });

  it('If-Unmodified-Since of the second a write landed in fails: no write over one the client did not see', async () => {
    const { store, c } = fixture();
    const { call, json } = await serve(fixture());
    await startOfSecond();
    // A reads v1; B replaces it within the same second; A writes by date.
    expect((await json('PUT', '/orders/o-1', order('o-1'), { 'if-none-match': '*' })).status).toBe(
      201,
    );
    const seen = (await call('/orders/o-1')).headers.get('last-modified') as string;
    const b = await json('PUT', '/orders/o-1', order('o-1', { total: 20 }), { 'if-match': '"1"' });
    expect(b.status).toBe(200);
    const a = await json('PUT', '/orders/o-1', order('o-1', { total: 30 }), {
      'if-unmodified-since': seen,
    });
    await expectProblem(a, 412, 'precondition-failed');
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 20, version: 2 });
    // The same for DELETE and PATCH; a date after the write's second passes.
    await expectProblem(
      await call('/orders/o-1', { method: 'DELETE', headers: { 'if-unmodified-since': seen } }),
      412,
    );
    const later = new Date(Date.parse(seen) + 1000).toUTCString();
    const patched = await call('/orders/o-1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', 'if-unmodified-since': later },
      body: '{"total":40}',
    });
    expect(patched.status).toBe(200);
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 40, version: 3 });
  });

  it('OPTIONS lists methods and patch formats; 415 on PATCH names the formats (RFC 5789)', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const { call } = await serve(fixture());
    const formats =
      'application/merge-patch+json, application/json-patch+json, application/vnd.noclobber.ops+json';
    const document = await call('/orders/o-1', { method: 'OPTIONS' });
    expect(document.status).toBe(204);
    expect(document.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
    expect(document.headers.get('accept-patch')).toBe(formats);
    const collection = await call('/orders', { method: 'OPTIONS' });
    expect(collection.status).toBe(204);
    expect(collection.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    expect((await call('/orders/_changes', { method: 'OPTIONS' })).headers.get('allow')).toBe(
      'GET, HEAD, OPTIONS',
    );
    const wrongType = await call('/orders/o-1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"total":1}',
    });
    expect(wrongType.headers.get('accept-patch')).toBe(formats);
    await expectProblem(wrongType, 415, 'unsupported-media-type');
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  for (const adapter of ['node', 'express', 'fastify'] as const) {
    it(`${adapter}: TRACE is 501, never 500; a repeated If-Unmodified-Since is 400`, async () => {
      const { store, c } = fixture();
      await store.insert(c.orders, order('o-1'));
      const { url } = await serve(fixture(), adapter);
      const trace = await raw(`${url}/orders/o-1`, 'TRACE');
      expect(trace.status).toBe(501);
      expect(JSON.parse(trace.body)).toMatchObject({
        type: 'urn:noclobber:problem:not-implemented',
      });
      // Both dates are in the future, so either one alone would let the write through.
      const future = new Date(Date.now() + 3_600_000).toUTCString();
      const twice = await raw(
        `${url}/orders/o-1`,
        'PUT',
        ['content-type', 'application/json', 'if-unmodified-since', future],
        JSON.stringify(order('o-1', { total: 99 })),
      );
      expect(twice.status).toBe(200);
      const repeated = await raw(
        `${url}/orders/o-1`,
        'PUT',
        [
          'content-type',
          'application/json',
          'if-unmodified-since',
          future,
          'if-unmodified-since',
          future,
        ],
        JSON.stringify(order('o-1', { total: 100 })),
      );
      expect(repeated.status).toBe(400);
      expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 99, version: 2 });
    });
  }

  it('malformed conditions on POST are 400; content codings are 415; unknown transfer codings 501', async () => {
    const { store } = fixture();
    const { url, call } = await serve(fixture());
    const post = (headers: Record<string, string>) =>
      call('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ status: 'new', total: 1, lines: [] }),
      });
    await expectProblem(await post({ 'if-match': 'no-quotes' }), 400);
    await expectProblem(await post({ 'if-none-match': '"a" "b"' }), 400);
    await expectProblem(await post({ 'if-unmodified-since': 'yesterday' }), 400);
    // The body is plain JSON labelled gzip: read as plain, it would have been stored.
    const coded = await call('/orders/x', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: JSON.stringify(order('x')),
    });
    expect(coded.headers.get('accept-encoding')).toBe('identity');
    await expectProblem(coded, 415, 'unsupported-media-type');
    // Node's parser passes "gzip, chunked" through, undoing only the chunking.
    const transfer = await raw(
      `${url}/orders/y`,
      'PUT',
      ['content-type', 'application/json', 'transfer-encoding', 'gzip, chunked'],
      JSON.stringify(order('y')),
    );
    expect(transfer.status).toBe(501);
    expect(JSON.parse(transfer.body)).toMatchObject({
      type: 'urn:noclobber:problem:not-implemented',
    });
    expect((await store.changes()).changes).toEqual([]);
  });

  it('notModifiedSince out of the range of a Date is a typed InvalidArgumentError', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    for (const notModifiedSince of [1e20, -1e20, Number.MAX_VALUE]) {
      const error = await store
        .put(c.orders, order('o-1', { total: 2 }), { check: { notModifiedSince } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    // At the edges of the range, an ordinary check.
    await store.put(c.orders, order('o-1', { total: 3 }), { check: { notModifiedSince: 8.64e15 } });
    const early = await store
      .put(c.orders, order('o-1', { total: 4 }), { check: { notModifiedSince: -8.64e15 } })
      .catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 3, version: 2 });
  });
});
