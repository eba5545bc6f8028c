import { expect, it } from 'vitest';
import { newToken } from '../../../core/token.js';
import { AlreadyLandedError, type Backend, type Write } from '../backend.js';
import {
  type JudgedMetadata,
  judgeCheck,
  type NormalizedCheck,
  type NormalizedCondition,
  type StoredState,
} from '../checks.js';
import type { StoreFixture } from './fixture.js';

const TENANT = 'default';
const COLLECTION = 'conformance';

// A write as the store plans it, for driving a backend directly.
function write(id: string, check: NormalizedCheck, op: Write['op'] = 'put'): Write {
  return {
    tenant: TENANT,
    collection: COLLECTION,
    id,
    op,
    ...(op === 'put' ? { body: JSON.stringify({ id, tag: 'x' }) } : {}),
    check,
    token: newToken(),
    actor: null,
  };
}

async function commitOne(backend: Backend, w: Write) {
  const [outcome] = await backend.commit([w]);
  return outcome;
}

// The checks a case tries, given the metadata stored under its key (none when absent).
function checksFor(m: JudgedMetadata | undefined): NormalizedCheck[] {
  const revision = m?.revision ?? 1;
  const time = m?.lastModified ?? Date.now();
  const eq = (value: string): NormalizedCondition => ({ op: 'eq', path: ['tag'], value });
  return [
    { kind: 'mustNotExist' },
    { kind: 'mustExist' },
    { kind: 'none' },
    { kind: 'version', versionKind: 'revision', version: revision },
    { kind: 'version', versionKind: 'revision', version: revision + 1 },
    { kind: 'version', versionKind: 'token', version: m?.token ?? 'not-a-stored-token' },
    { kind: 'version', versionKind: 'token', version: 'not-a-stored-token' },
    { kind: 'notModifiedSince', time },
    { kind: 'notModifiedSince', time: time - 1 },
    { kind: 'condition', condition: eq('x') },
    { kind: 'condition', condition: eq('y') },
    { kind: 'revisionAbove', revision, silent: false },
    { kind: 'revisionAbove', revision: revision + 1, silent: false },
    { kind: 'revisionAbove', revision, silent: true },
    { kind: 'revisionAbove', revision: revision + 1, silent: true },
  ];
}

/**
 * The Backend contract, called directly: every check kind, stored state and op ends as
 * `judgeCheck` says; a batch is all or nothing and reports every failure; a token commits
 * once; an append's expectation is enforced by the database.
 */
export function contractSuite(fixture: () => StoreFixture): void {
  it('ends every check kind, stored state and op as judgeCheck says', async () => {
    const backend = await fixture().openBackend();
    let n = 0;
    for (const state of ['absent', 'live', 'deleted'] as const) {
      for (const op of ['put', 'delete'] as const) {
        for (let i = 0; ; i++) {
          const id = `case-${n++}`;
          if (state !== 'absent') await commitOne(backend, write(id, { kind: 'mustNotExist' }));
          if (state === 'deleted') await commitOne(backend, write(id, { kind: 'none' }, 'delete'));
          const peeked = (await backend.peek(TENANT, COLLECTION, [id])).get(id);
          const check = checksFor(peeked)[i];
          if (!check) break;
          const stored: StoredState =
            state === 'absent' || !peeked
              ? { state: 'absent' }
              : state === 'deleted'
                ? { state: 'deleted', metadata: peeked }
                : { state: 'live', metadata: peeked, document: { id, tag: 'x' } };
          if (
            op === 'delete' &&
            (check.kind === 'mustNotExist' || check.kind === 'revisionAbove')
          ) {
            continue; // The store refuses these before a write is made.
          }
          const judged = judgeCheck(check, op, stored);
          const outcome = await commitOne(backend, write(id, check, op));
          const label = `${op} with ${JSON.stringify(check)} on a ${state} document`;
          expect(outcome?.status, label).toBe(judged.status === 'pass' ? 'ok' : judged.status);
          if (judged.status === 'conflict' || judged.status === 'duplicate') {
            const actual = outcome && 'actual' in outcome ? outcome.actual : undefined;
            expect(actual?.revision ?? null, label).toBe(judged.actual?.revision ?? null);
          }
        }
      }
    }
  });

  it('commits a batch all or nothing, reporting every failure and rolledBack for the rest', async () => {
    const backend = await fixture().openBackend();
    await commitOne(backend, write('taken', { kind: 'mustNotExist' }));
    const outcomes = await backend.commit([
      write('fresh', { kind: 'mustNotExist' }),
      write('taken', { kind: 'mustNotExist' }),
      write('missing', { kind: 'mustExist' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rolledBack', 'duplicate', 'notFound']);
    const stored = await backend.peek(TENANT, COLLECTION, ['fresh', 'taken', 'missing']);
    expect([...stored.keys()]).toEqual(['taken']);
    expect(stored.get('taken')?.revision).toBe(1);
  });

  it('commits a token once, and finds it in the write log', async () => {
    const backend = await fixture().openBackend();
    const first = write('a', { kind: 'none' });
    expect((await commitOne(backend, first))?.status).toBe('ok');
    await expect(backend.commit([first])).rejects.toBeInstanceOf(AlreadyLandedError);
    const records = await backend.landed(TENANT, [first.token, newToken()]);
    expect(records.size).toBe(1);
    expect(records.get(first.token)).toMatchObject({
      collection: COLLECTION,
      id: 'a',
      revision: 1,
    });
    expect((await backend.peek(TENANT, COLLECTION, ['a'])).get('a')?.revision).toBe(1);
  });

  it('finds documents up to a byte budget, then the first past it without its text', async () => {
    const backend = await fixture().openBackend();
    const bodies = [30, 500, 20, 40, 10].map((n, i) =>
      JSON.stringify({ id: `f${i}`, pad: 'ü'.repeat(n) }),
    );
    const writes = bodies.map((body, i) => ({ ...write(`f${i}`, { kind: 'none' }), body }));
    expect((await backend.commit(writes)).map((o) => o.status)).toEqual(bodies.map(() => 'ok'));
    const [a, b, c] = bodies.map((body) => Buffer.byteLength(body)) as [number, number, number];
    const query = { filter: null, sort: [], after: undefined, limit: 10 };
    const page = async (maxBytes?: number) =>
      (await backend.find(TENANT, COLLECTION, { ...query, ...(maxBytes && { maxBytes }) })).map(
        (row) => [row.id, row.body === null ? null : JSON.parse(row.body).id],
      );
    expect(await page()).toEqual(bodies.map((_, i) => [`f${i}`, `f${i}`]));
    // The first document always; the next past the budget comes as its id alone.
    expect(await page(1)).toEqual([
      ['f0', 'f0'],
      ['f1', null],
    ]);
    expect(await page(a + b)).toEqual([
      ['f0', 'f0'],
      ['f1', 'f1'],
      ['f2', null],
    ]);
    expect(await page(a + b + c - 1)).toEqual([
      ['f0', 'f0'],
      ['f1', 'f1'],
      ['f2', null],
    ]);
    expect(await page(a + b + c)).toEqual([
      ['f0', 'f0'],
      ['f1', 'f1'],
      ['f2', 'f2'],
      ['f3', null],
    ]);
  });

  it('enforces an append expectation in the database', async () => {
    const backend = await fixture().openBackend();
    const append = (
      streamId: string,
      expected: Parameters<Backend['appendToStream']>[0]['expected'],
    ) =>
      backend.appendToStream({
        tenant: TENANT,
        streamId,
        events: [{ id: newToken(), type: 'happened', data: '{}', metadata: null }],
        expected,
        token: newToken(),
      });
    expect(await append('s', { kind: 'noStream' })).toMatchObject({ status: 'ok', version: 1 });
    expect(await append('s', { kind: 'noStream' })).toEqual({ status: 'conflict', actual: 1 });
    expect(await append('s', { kind: 'version', version: 1 })).toMatchObject({ version: 2 });
    expect(await append('s', { kind: 'version', version: 1 })).toEqual({
      status: 'conflict',
      actual: 2,
    });
    expect(await append('other', { kind: 'streamExists' })).toEqual({
      status: 'conflict',
      actual: 0,
    });
    const events = await backend.readStream(TENANT, 's', {
      from: 1,
      to: 10,
      direction: 'forward',
      limit: 10,
    });
    expect(events.map((e) => e.version)).toEqual([1, 2]);
  });
}
