import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type Check, normalizeCheck } from '../../src/concurrency/check.js';
import {
  failsBatch,
  type Judgement,
  judgeCheck,
  type StoredState,
} from '../../src/concurrency/judge-check.js';
import {
  BatchWriteError,
  ConcurrencyError,
  type DocumentMetadata,
  DocumentNotFoundError,
  type DocumentStore,
  DuplicateDocumentError,
  InvalidArgumentError,
} from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

const SEED = Number(process.env.JUDGEMENT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** One write of a case: the row it meets, the check it carries (relative to that row), the op. */
interface Case {
  state: 'absent' | 'live' | 'deleted';
  rewrites: number;
  op: 'put' | 'delete';
  check: (m: DocumentMetadata | undefined) => Check;
}

type Meta = DocumentMetadata | undefined;
const near = fc.integer({ min: -1, max: 2 });
const revision = (m: DocumentMetadata | undefined, d: number) =>
  Math.max(1, (m?.revision ?? 1) + d);
const check: fc.Arbitrary<Case['check']> = fc.oneof(
  fc.constantFrom<Check>('mustNotExist', 'mustExist', 'none').map((c) => () => c),
  near.map((d) => (m: Meta) => ({ version: revision(m, d) })),
  fc.boolean().map((same) => (m: Meta) => ({ token: same && m ? m.token : 'not-a-stored-token' })),
  fc
    .constantFrom(-1, 0, 1, 1e9)
    .map((d) => (m: Meta) => ({ notModifiedSince: (m?.lastModified ?? Date.now()) + d })),
  fc.constantFrom('x', 'y').map((tag) => () => ({ condition: { tag } })),
  fc.tuple(near, fc.boolean()).map(
    ([d, silent]) =>
      (m: Meta) =>
        silent ? { tryRevisionAbove: revision(m, d) } : { revisionAbove: revision(m, d) },
  ),
);
const writeCase: fc.Arbitrary<Case> = fc.record({
  state: fc.constantFrom('absent', 'live', 'deleted'),
  rewrites: fc.nat(2),
  op: fc.constantFrom('put', 'delete'),
  check,
});

// What a write ended in, as the store reports it, in the reference's words.
function reported(error: unknown): Judgement<DocumentMetadata> | 'refused' {
  if (error instanceof ConcurrencyError)
    return { status: 'conflict', actual: error.actualMetadata };
  if (error instanceof DocumentNotFoundError) return { status: 'notFound' };
  if (error instanceof DuplicateDocumentError) {
    return { status: 'duplicate', actual: error.actualMetadata };
  }
  if (error instanceof InvalidArgumentError) return 'refused';
  throw error;
}

function expected(c: Case, stored: StoredState<DocumentMetadata>, given: Check) {
  try {
    return judgeCheck(normalizeCheck(given, 'revision'), c.op, stored);
  } catch (error) {
    return reported(error);
  }
}

describeConformance('check judgement', (fixture) => {
  // Puts the row a case meets under `id` and returns it as the reference sees it.
  async function arrange(store: DocumentStore, id: string, c: Case) {
    const docs = store.collection('judged');
    await store.get(docs, id); // the store migrates on first use, before peek() can read
    if (c.state !== 'absent') {
      await store.insert(docs, { id, tag: 'x' });
      for (let i = 0; i < c.rewrites; i++)
        await store.put(docs, { id, tag: 'x' }, { check: 'none' });
      if (c.state === 'deleted') await store.delete(docs, id);
    }
    const backend = openBackend(fixture().config);
    const metadata = (
      await backend.peek('default', 'judged', [id]).finally(() => backend.close())
    ).get(id);
    const stored: StoredState<DocumentMetadata> =
      c.state === 'absent'
        ? { state: 'absent' }
        : c.state === 'deleted'
          ? { state: 'deleted', metadata: metadata as DocumentMetadata }
          : { state: 'live', metadata: metadata as DocumentMetadata, document: { id, tag: 'x' } };
    return { docs, stored, given: c.check(metadata) };
  }

  it('every check kind, on an absent, live or deleted row, for a put or a delete, ends as judgeCheck says', async () => {
    const { store } = fixture();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(writeCase, async (c) => {
        const id = `j${n++}`;
        const { docs, stored, given } = await arrange(store, id, c);
        const write =
          c.op === 'put'
            ? store.put(docs, { id, tag: 'z' }, { check: given })
            : store.delete(docs, id, { check: given });
        const actual = await write.then(
          (r): Judgement<DocumentMetadata> =>
            r.written ? { status: 'pass' } : { status: 'skipped' },
          reported,
        );
        expect(actual, `seed ${SEED}: ${c.op} ${JSON.stringify(given)} on ${c.state}`).toEqual(
          expected(c, stored, given),
        );
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('a batch of checked writes fails with exactly the writes judgeCheck fails, and writes the rest only when none does', async () => {
    const { store } = fixture();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(writeCase, { minLength: 2, maxLength: 4 }), async (cases) => {
        const session = store.openSession();
        const judged = new Map<string, Judgement<DocumentMetadata> | 'refused'>();
        const before = new Map<string, string | undefined>();
        for (const c of cases) {
          const id = `b${n++}`;
          const { docs, stored, given } = await arrange(store, id, c);
          judged.set(id, expected(c, stored, given));
          before.set(id, stored.state === 'absent' ? undefined : stored.metadata.token);
          if (c.op === 'delete' && judged.get(id) === 'refused') {
            // A session refuses such a delete when it is scheduled, as the store does.
            expect(() => session.delete(docs, id, { check: given })).toThrow(InvalidArgumentError);
            judged.delete(id);
          } else if (c.op === 'put') session.store(docs, { id, tag: 'z' }, { check: given });
          else session.delete(docs, id, { check: given });
        }
        const failures = await session.saveChanges().then(
          () => [],
          (e: unknown) => (e instanceof BatchWriteError ? e.errors : [e]),
        );
        const failed = new Map(failures.map((e) => [(e as { id: string }).id, reported(e)]));
        const wanted = [...judged].filter(([, j]) => j !== 'refused' && failsBatch(j));
        expect(failed, `seed ${SEED}: ${JSON.stringify([...judged])}`).toEqual(new Map(wanted));
        if (wanted.length > 0) return;
        const backend = openBackend(fixture().config);
        const after = await backend
          .peek('default', 'judged', [...judged.keys()])
          .finally(() => backend.close());
        for (const [id, j] of judged) {
          const written = after.get(id)?.token !== before.get(id);
          expect(written, `seed ${SEED}: ${id} ${JSON.stringify(j)}`).toBe(
            j !== 'refused' && j.status === 'pass',
          );
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
