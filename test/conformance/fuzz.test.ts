import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { createHandler } from '../../src/http/index.js';
import { NoclobberError } from '../../src/index.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { describeConformance } from './fixture.js';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

// Hostile inputs: ids with quotes, NUL, unicode, separators; JSON with __proto__ keys;
// values of every type where versions and documents go.
const id = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom(
    "o'1",
    'a"b',
    'a/b',
    '../x',
    'x\u0000y',
    '\ud800',
    ' ',
    '',
    'x'.repeat(600),
    '%2F',
  ),
);
const hostileJson = fc.oneof(
  fc.jsonValue(),
  fc
    .constantFrom('{"__proto__":{"polluted":1}}', '{"a":{"constructor":{"prototype":{}}}}')
    .map((t) => JSON.parse(t)),
);
const anything = fc.oneof(
  fc.anything(),
  hostileJson,
  fc.constant(Number.NaN),
  fc.constant(2 ** 60),
);

describeConformance('fuzzing', (fixture) => {
  it('the public API answers hostile input with typed errors and writes only what it accepted', async () => {
    const { store, c } = fixture();
    let written = 0;
    await fc.assert(
      fc.asyncProperty(id, anything, anything, fc.nat(4), async (key, version, body, op) => {
        const calls = [
          () =>
            store.insert(c.orders, {
              ...(typeof body === 'object' && body ? body : {}),
              id: key,
            } as never),
          () =>
            store.put(c.orders, { id: key, total: 1 } as never, { check: { version } as never }),
          () => store.get(c.orders, key),
          () => store.patch(c.orders, key, body as never),
          () => store.delete(c.orders, key, { check: body as never }),
        ];
        try {
          const result = await (calls[op] as () => Promise<unknown>)();
          if (result && typeof result === 'object' && 'written' in result && result.written)
            written++;
          if (op === 3) written++;
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(NoclobberError);
        }
      }),
      { numRuns: 150 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Every write in the feed is one the API reported as done (a delete of an inserted
    // document is a change too, so the feed holds at most as many entries).
    const feed = (await store.changes({ limit: 10_000 })).changes;
    expect(feed.length).toBeLessThanOrEqual(written);
  });

  it('the HTTP resource answers hostile requests with 4xx, never 5xx, and refused ones write nothing', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, { id: 'o-1', status: 'pending', total: 1, lines: [] });
    const server = await startServer('node', (basePath) =>
      createHandler(store, { collections: [c.orders], basePath, maxBodyBytes: 4096 }),
    );
    servers.push(server);
    const header = fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      fc.constantFrom(
        '*',
        '"1"',
        'W/"1"',
        '"1", "2"',
        '""',
        'W/""',
        '"\x7f"',
        'Sun, 06 Nov 1994 08:49:37 GMT',
        'Sun, 31 Feb 2026 00:00:00 GMT',
      ),
    );
    const path = fc.oneof(
      fc.constantFrom(
        '/orders/o-1',
        '/orders/new',
        '/orders',
        '/orders/_changes?since=x',
        '/nope/x',
        '/orders/%ZZ',
        '/orders/a/b',
      ),
      id.filter((k) => k.isWellFormed()).map((k) => `/orders/${encodeURIComponent(k)}`),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS');
    const contentType = fc.constantFrom(
      'application/json',
      'application/merge-patch+json',
      'application/json-patch+json',
      'text/plain',
      '',
    );
    const body = fc.oneof(
      hostileJson.map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 50 }),
      fc.constant('x'.repeat(5000)),
    );
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        contentType,
        body,
        header,
        header,
        header,
        async (m, p, type, text, ifMatch, ifNoneMatch, date) => {
          const before = (await store.changes({ limit: 10_000 })).changes.length;
          const headers: Record<string, string> = {};
          // fetch refuses empty, padded and control-character values before they leave.
          for (const [name, value] of [
            ['if-match', ifMatch],
            ['if-none-match', ifNoneMatch],
            ['if-unmodified-since', date],
          ] as const) {
            if (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value)) headers[name] = value;
          }
          if (type) headers['content-type'] = type;
          const response = await fetch(`${server.url}${p}`, {
            method: m,
            headers,
            ...(m === 'GET' || m === 'HEAD' ? {} : { body: text }),
          });
          await response.arrayBuffer();
          expect(response.status, `${m} ${p}`).toBeLessThan(500);
          if (response.status >= 400) {
            expect((await store.changes({ limit: 10_000 })).changes.length).toBe(before);
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
