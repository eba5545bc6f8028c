import { expect, it } from 'vitest';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

interface Item {
  revision: number;
  etag: string;
  deleted: boolean;
  lastModified: number;
  actor: string | null;
  parents: number[] | null;
  document: { id: string; text: string } | null;
}

describeConformance('http revision history', (fixture) => {
  const notesOf = () =>
    fixture().store.collection<{ id: string; text: string }>('notes', { history: { keep: 50 } });

  it('pages a document’s revisions with next, and serves one with its ETag', async () => {
    const { store } = fixture();
    const notes = notesOf();
    await store.insert(notes, { id: 'n', text: '1' });
    for (let i = 2; i <= 5; i++)
      await store.put(notes, { id: 'n', text: String(i) }, { check: 'none' });
    await store.delete(notes, 'n');
    const { call } = await serve(fixture(), 'node', { collections: [notes] });
    const seen: Item[] = [];
    let path = '/notes/n/_revisions?limit=4';
    for (;;) {
      const response = await call(path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: Item[]; next: number | null };
      expect(body.items.length).toBeLessThanOrEqual(4);
      seen.push(...body.items);
      if (body.next === null) break;
      path = `/notes/n/_revisions?limit=4&before=${body.next}`;
    }
    expect(seen.map((i) => i.revision)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(seen[0]).toMatchObject({ deleted: true, document: null, etag: '"6"' });
    expect(seen[5]).toMatchObject({
      deleted: false,
      etag: '"1"',
      document: { id: 'n', text: '1' },
    });
    const one = await call('/notes/n/_revisions/3');
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toBe('"3"');
    expect(await one.json()).toMatchObject({ id: 'n', text: '3' });
    await expectProblem(await call('/notes/n/_revisions/6'), 404, 'not-found');
    await expectProblem(await call('/notes/n/_revisions/99'), 404, 'not-found');
  });

  it('refuses bad numbers and writes, and keeps tenants apart', async () => {
    const { store } = fixture();
    const notes = notesOf();
    await store.insert(notes, { id: 'n', text: 'default' });
    const { call } = await serve(fixture(), 'node', { collections: [notes] });
    for (const bad of ['?limit=0', '?limit=101', '?limit=x', '?before=-1', '?before=1.5']) {
      expect((await call(`/notes/n/_revisions${bad}`)).status).toBe(400);
    }
    expect((await call('/notes/n/_revisions/abc')).status).toBe(400);
    expect((await call('/notes/n/_revisions', { method: 'DELETE' })).status).toBe(405);
    expect((await call('/notes/n/_revisions/1/x')).status).toBe(404);
    const other = await call('/notes/n/_revisions', { headers: { 'x-tenant': 'other' } });
    expect(((await other.json()) as { items: Item[] }).items).toEqual([]);
    const theirs = await call('/notes/n/_revisions/1', { headers: { 'x-tenant': 'other' } });
    expect(theirs.status).toBe(404);
    expect((await call('/notes/n/_revisions/1')).status).toBe(200);
  });
});
