import { expect, it } from 'vitest';
import { ADAPTERS } from '../support/http-server.js';
import { describeConformance } from './fixture.js';
import { useServers } from './http-support.js';

const serve = useServers();

interface ListBody {
  items: { id: string; etag: string; document: Record<string, unknown> }[];
  next: string | null;
}

// Own `$…` properties of the objects a query string's field names could reach.
const polluted = () =>
  [Object.prototype, Object, Object.prototype.toString, Object.prototype.valueOf].flatMap(
    (target) => Object.getOwnPropertyNames(target).filter((name) => name.startsWith('$')),
  );

describeConformance('http list queries under attack', (fixture) => {
  it('a query-string field named like an Object.prototype property is a field: it pollutes nothing and filters', async () => {
    const { json } = await serve(fixture(), 'node', { collections: 'any' });
    for (const [id, note] of [
      ['n-1', { toString: 'yes', valueOf: 1 }],
      ['n-2', { toString: 'no', valueOf: 0 }],
    ] as const) {
      expect((await json('PUT', `/notes/${id}`, note)).status).toBe(201);
    }
    try {
      for (const adapter of ADAPTERS) {
        const { call } = await serve(fixture(), adapter, { collections: 'any' });
        const ids = async (query: string) => {
          const response = await call(`/notes?${query}`);
          expect(response.status, `${adapter} ${query}`).toBe(200);
          return ((await response.json()) as ListBody).items.map((item) => item.id);
        };
        expect(await ids('toString=yes')).toEqual(['n-1']);
        expect(await ids('valueOf[$gte]=1')).toEqual(['n-1']);
        expect(await ids('hasOwnProperty[$exists]=true')).toEqual([]);
        // No document holds these keys (the store refuses them), so nothing matches.
        expect(await ids('__proto__[$eq]=1')).toEqual([]);
        expect(await ids('__proto__=1')).toEqual([]);
        expect(await ids('constructor=1')).toEqual([]);
        expect(await ids('constructor[$ne]=1')).toEqual(['n-1', 'n-2']);
        expect(polluted(), adapter).toEqual([]);
      }
    } finally {
      for (const target of [Object.prototype, Object, Object.prototype.toString]) {
        for (const name of Object.getOwnPropertyNames(target).filter((n) => n.startsWith('$'))) {
          delete (target as unknown as Record<string, unknown>)[name];
        }
      }
    }
  });
});
