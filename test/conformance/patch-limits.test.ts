import { expect, it } from 'vitest';
import { createHandler } from '../../src/http/index.js';
import {
  DocumentStore,
  type Json,
  type JsonPatchOperation,
  type MergePatch,
  PatchTooLargeError,
} from '../../src/index.js';
import { collections, order } from '../support/model.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance, type Fixture } from './fixture.js';

// One copy of the whole document into itself per operation: each doubles it.
const doublings: JsonPatchOperation[] = Array.from({ length: 30 }, (_, i) => ({
  op: 'copy',
  from: '',
  path: `/x${i}`,
}));

// 124 levels with about 1.9 KB each (240 KB), and a merge patch down to the last one.
function deep(): { document: Record<string, Json>; patch: MergePatch } {
  let document: Record<string, Json> = { leaf: 0 };
  let patch: MergePatch = { leaf: 1, added: 'x' };
  for (let i = 0; i < 124; i++) {
    document = { payload: 'p'.repeat(1900), c: document };
    patch = { c: patch };
  }
  return { document, patch };
}

// The leaf of `deep()`'s document after 124 steps down `c`.
function leafOf(document: unknown): unknown {
  let node = document as Record<string, unknown>;
  for (let i = 0; i < 124; i++) node = node.c as Record<string, unknown>;
  return node;
}

/** A store on the fixture's database with the given limits (closed after the test). */
function limitedStore(
  fixture: Fixture,
  limits: { maxDocumentBytes?: number; maxPatchOperations?: number },
) {
  const store = new DocumentStore({ backend: openBackend(fixture.config), ...limits });
  const c = collections(store);
  return { store, c };
}

/** The HTTP resource over the fixture's orders, called without a socket. */
function http(store: DocumentStore, c: ReturnType<typeof collections>) {
  const handler = createHandler(store, { collections: [c.orders] });
  return (id: string, body: unknown, type: string, headers: Record<string, string> = {}) =>
    handler(
      new Request(`http://localhost/orders/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': type, ...headers },
        body: JSON.stringify(body),
      }),
    );
}

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';

describeConformance('patch limits', (fixture) => {
  it('patch(): 30 doublings of the document are refused with PatchTooLargeError, nothing written', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { status: 's'.repeat(1000) }));
    const before = await store.getWithMetadata(c.orders, 'o-1');
    const error = await store.patch(c.orders, 'o-1', doublings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatchTooLargeError);
    expect(error).toMatchObject({
      code: 'PATCH_TOO_LARGE',
      limit: 'maxDocumentBytes',
      max: 16 * 1024 * 1024,
    });
    expect(await store.getWithMetadata(c.orders, 'o-1')).toEqual(before);
  });

  it("patch(): the store's maxDocumentBytes and maxPatchOperations bound every patch", async () => {
    const { store, c } = limitedStore(fixture(), { maxDocumentBytes: 2000, maxPatchOperations: 3 });
    try {
      await store.insert(c.orders, order('o-1'));
      const before = await store.getWithMetadata(c.orders, 'o-1');
      const grow = { op: 'add', path: '/note', value: 'n'.repeat(3000) } as const;
      const shrink = { op: 'remove', path: '/note' } as const;
      // Past the limit in the middle of a patch that would end under it: still refused.
      await expect(store.patch(c.orders, 'o-1', [grow, shrink])).rejects.toThrow(
        expect.objectContaining({ code: 'PATCH_TOO_LARGE', limit: 'maxDocumentBytes', max: 2000 }),
      );
      await expect(store.patch(c.orders, 'o-1', { note: 'n'.repeat(3000) })).rejects.toThrow(
        PatchTooLargeError,
      );
      const four = Array.from({ length: 4 }, () => ({ op: 'test', path: '/id', value: 'o-1' }));
      await expect(store.patch(c.orders, 'o-1', four as JsonPatchOperation[])).rejects.toThrow(
        expect.objectContaining({ limit: 'maxPatchOperations', max: 3, actual: 4 }),
      );
      expect(await store.getWithMetadata(c.orders, 'o-1')).toEqual(before);
      // Under both limits, patches land.
      expect(
        await store.patch(c.orders, 'o-1', four.slice(1) as JsonPatchOperation[]),
      ).toMatchObject({ version: 2 });
      expect(await store.patch(c.orders, 'o-1', { note: 'n'.repeat(1000) })).toMatchObject({
        version: 3,
      });
      // The limits follow the store into its tenant views.
      expect(store.withTenant('t-2').patchLimits).toEqual({
        maxDocumentBytes: 2000,
        maxPatchOperations: 3,
      });
    } finally {
      await store.close();
    }
  });

  it('patch(): a merge patch 124 levels down a 240 KB document lands', async () => {
    const { store, c } = fixture();
    const { document, patch } = deep();
    await store.insert(c.orders, { ...order('o-1'), ...document });
    const patched = await store.patch(c.orders, 'o-1', patch);
    expect(leafOf(patched)).toEqual({ leaf: 1, added: 'x' });
    expect(leafOf(await store.get(c.orders, 'o-1'))).toEqual({ leaf: 1, added: 'x' });
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 2 });
  });

  it('HTTP PATCH: 413 patch-too-large for the doublings and for too many operations, nothing written', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const before = await store.getWithMetadata(c.orders, 'o-1');
    const call = http(store, c);
    const tooMany = Array.from({ length: 1001 }, () => ({ op: 'test', path: '/id', value: 'o-1' }));
    for (const [body, limit] of [
      [doublings, 'maxDocumentBytes'],
      [tooMany, 'maxPatchOperations'],
    ] as const) {
      // Without If-Match the server applies the patch itself; with it, on the given version.
      for (const headers of [{}, { 'if-match': '"1"' }] as Record<string, string>[]) {
        const response = await call('o-1', body, JSON_PATCH, headers);
        expect(response.status).toBe(413);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(await response.json()).toMatchObject({
          type: 'urn:noclobber:problem:patch-too-large',
          status: 413,
          limit,
        });
      }
    }
    const grown = await call('o-1', { note: 'n'.repeat(200_000) }, MERGE_PATCH);
    expect(grown.status).toBe(200);
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 2 });
    expect((await store.getWithMetadata(c.orders, 'o-1'))?.document).toEqual({
      ...before?.document,
      note: 'n'.repeat(200_000),
      version: 2,
    });
  });

  it("HTTP PATCH: a merge patch past the store's maxDocumentBytes is 413, a deep one lands", async () => {
    const { store, c } = limitedStore(fixture(), { maxDocumentBytes: 300_000 });
    try {
      const { document, patch } = deep();
      await store.insert(c.orders, { ...order('o-1'), ...document });
      const call = http(store, c);
      const big = await call('o-1', { note: 'n'.repeat(100_000) }, MERGE_PATCH, {
        'if-match': '"1"',
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ limit: 'maxDocumentBytes', max: 300_000 });
      const landed = await call('o-1', patch, MERGE_PATCH, { 'if-match': '"1"' });
      expect(landed.status).toBe(200);
      expect(leafOf(await landed.json())).toEqual({ leaf: 1, added: 'x' });
      expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 2 });
    } finally {
      await store.close();
    }
  });
});
