import { expect, it } from 'vitest';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();
const OPS = 'application/vnd.noclobber.ops+json';

describeConformance('http atomic operations', (fixture) => {
  it('PATCH with operations: applied in the write, If-Match as its check, typed problems', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { total: 10 }));
    const { call } = await serve(fixture());
    const patch = (body: unknown, headers: Record<string, string> = {}) =>
      call('/orders/o-1', {
        method: 'PATCH',
        headers: { 'content-type': OPS, ...headers },
        body: JSON.stringify(body),
      });
    const done = await patch({ $inc: { total: 5 }, $push: { lines: 'tea' } });
    expect(done.status).toBe(200);
    expect(done.headers.get('etag')).toBe('"2"');
    expect(await done.json()).toMatchObject({ id: 'o-1', total: 15, lines: ['tea'], version: 2 });

    const stale = await patch({ $inc: { total: 1 } }, { 'if-match': '"1"' });
    expect(await expectProblem(stale, 412, 'precondition-failed')).toMatchObject({ actual: '"2"' });
    const fresh = await patch({ $inc: { total: 1 } }, { 'if-match': '"2"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"3"');

    await expectProblem(await patch({ $inc: { status: 1 } }), 422, 'operation-type-mismatch');
    await expectProblem(await patch({ $rename: { total: 'sum' } }), 400, 'invalid-operations');
    await expectProblem(await patch({ $set: { id: 'o-2' } }), 400, 'invalid-operations');
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 16, version: 3 });

    const missing = await call('/orders/o-9', {
      method: 'PATCH',
      headers: { 'content-type': OPS },
      body: JSON.stringify({ $inc: { total: 1 } }),
    });
    await expectProblem(missing, 404, 'not-found');
  });
});
