import { threeWayMerge } from '../src/index.js';
import { recordUpdate } from '../src/testing/index.js';
import { anyCounter, type Doc, keyOf, pick, type WorkerContext } from './context.js';
import { type Change, chain, type State } from './model.js';
import { settle } from './outcome.js';

// The store's own operations over documents. Writes pinned to a version (update(), a
// session's loaded documents, a delete of a seen revision) and unpinned ones (mustExist,
// mustNotExist, 'none', patch() without a version), so a write re-sent after an
// ambiguous commit shows up as applied twice. Every write names a tag of its own as its
// actor, which the audit sees as the mark of the version it committed.

const counter = (doc: State, tag: string) => {
  doc.n = Number(doc.n ?? 0) + 1;
  doc.h = chain(String(doc.h ?? ''), tag);
};

/** A fresh counter document, as inserts and whole-document puts write it. */
const fresh = (id: string, tag: string): Doc => ({ id, n: 1, h: chain('', tag) });

const invoke = (ctx: WorkerContext, id: string, change: Change, mark: string, base?: number) =>
  ctx.history.invoke(ctx.name, keyOf(id), change, base, mark);

/** update() of a counter, with plain retries or adaptive contention. */
export async function increment(ctx: WorkerContext): Promise<void> {
  const tag = ctx.tag();
  await recordUpdate(
    ctx.history,
    ctx.name,
    ctx.store,
    ctx.docs,
    anyCounter(ctx),
    { t: 'inc', tag },
    (doc) => counter(doc, tag),
    { retry: ctx.retry, contention: ctx.rand() < 0.3 ? 'adaptive' : 'none', actor: tag },
  );
}

/** update() of a merge document, one field per worker, settled by a three-way merge. */
export async function merged(ctx: WorkerContext): Promise<void> {
  const tag = ctx.tag();
  const value = ctx.serial();
  const change: Change = { t: 'set', field: ctx.name, value };
  await recordUpdate(
    ctx.history,
    ctx.name,
    ctx.store,
    ctx.docs,
    `merge-${pick(ctx, ctx.hot)}`,
    change,
    (doc) => {
      doc[ctx.name] = value;
    },
    { retry: ctx.retry, resolver: threeWayMerge(), actor: tag },
  );
}

/** patch() without a version: a merge patch applied to whatever is stored, with retries. */
export async function patched(ctx: WorkerContext): Promise<void> {
  const tag = ctx.tag();
  const value = ctx.serial();
  const id = ctx.rand() < 0.5 ? `merge-${pick(ctx, ctx.hot)}` : anyCounter(ctx);
  const inv = invoke(ctx, id, { t: 'set', field: ctx.name, value }, tag);
  let saved: { revision: number; base: number } | undefined;
  await settle(
    [inv],
    () =>
      ctx.store.patch(
        ctx.docs,
        id,
        { [ctx.name]: value },
        {
          retry: ctx.retry,
          actor: tag,
          onSaved: (metadata, info) => {
            saved = { revision: metadata.revision, base: info.base };
          },
        },
      ),
    () => saved,
  );
}

/** A session saving 2–3 loaded cold counters, each checked against its loaded version. */
export async function batch(ctx: WorkerContext): Promise<void> {
  const ids = [...new Set(Array.from({ length: 2 + pick(ctx, 2) }, () => coldId(ctx)))];
  const actor = ctx.tag();
  const session = ctx.store.openSession({ actor });
  const loaded = await session.loadMany(ctx.docs, ids);
  const live = loaded.filter((d): d is Doc => d !== null);
  if (live.length === 0) return;
  const invocations = live.map((doc) => {
    const tag = ctx.tag();
    const base = doc.version as number;
    counter(doc, tag);
    session.store(ctx.docs, doc);
    return invoke(ctx, doc.id, { t: 'inc', tag }, actor, base);
  });
  await settle(
    invocations,
    () => session.saveChanges(),
    (_, i) => ({
      revision: live[i]?.version as number,
      base: invocations[i]?.operation.base as number,
    }),
  );
}

/**
 * A session of unpinned writes to 2–3 cold documents it never loaded: whole-document
 * stores with `mustExist` or `'none'`, and deletes (`mustExist`, the default for an
 * unseen document). A delete's new revision is not reported, so it is recorded without.
 */
export async function unpinnedSession(ctx: WorkerContext): Promise<void> {
  const ids = [...new Set(Array.from({ length: 2 + pick(ctx, 2) }, () => coldId(ctx)))];
  const actor = ctx.tag();
  const session = ctx.store.openSession({ actor });
  const written: (Doc | undefined)[] = [];
  const invocations = ids.map((id) => {
    const roll = ctx.rand();
    if (roll < 0.25) {
      session.delete(ctx.docs, id);
      written.push(undefined);
      return invoke(ctx, id, { t: 'del' }, actor);
    }
    const tag = ctx.tag();
    const doc = fresh(id, tag);
    session.store(ctx.docs, doc, { check: roll < 0.65 ? 'mustExist' : 'none' });
    written.push(doc);
    return invoke(ctx, id, { t: 'put', tag }, actor);
  });
  await settle(
    invocations,
    () => session.saveChanges(),
    (_, i) => {
      const doc = written[i];
      return doc ? { revision: doc.version as number } : {};
    },
  );
}

/** Delete a cold counter at the revision seen, or bring a deleted one back with insert(). */
export async function churn(ctx: WorkerContext): Promise<void> {
  const id = coldId(ctx);
  const found = await ctx.store.getMetadata(ctx.docs, id);
  const tag = ctx.tag();
  if (found) {
    const inv = invoke(ctx, id, { t: 'del' }, tag, found.revision);
    await settle(
      [inv],
      () => ctx.store.delete(ctx.docs, id, { check: { version: found.revision }, actor: tag }),
      (result) =>
        result.written ? { revision: result.metadata.revision, base: found.revision } : undefined,
    );
    return;
  }
  const inv = invoke(ctx, id, { t: 'ins', tag }, tag);
  await settle(
    [inv],
    () =>
      ctx.rand() < 0.5
        ? ctx.store.insert(ctx.docs, fresh(id, tag), { actor: tag })
        : ctx.store.put(ctx.docs, fresh(id, tag), { check: 'mustNotExist', actor: tag }),
    (result) => (result.written ? { revision: result.metadata.revision } : undefined),
  );
}

/** A whole-document put with `mustExist` or `'none'` (an upsert), to a hot or cold counter. */
export async function unpinnedPut(ctx: WorkerContext): Promise<void> {
  const id = anyCounter(ctx);
  const tag = ctx.tag();
  const check = ctx.rand() < 0.6 ? 'mustExist' : 'none';
  const inv = invoke(ctx, id, { t: 'put', tag }, tag);
  await settle(
    [inv],
    () => ctx.store.put(ctx.docs, fresh(id, tag), { check, actor: tag }),
    (result) => (result.written ? { revision: result.metadata.revision } : undefined),
  );
}

/**
 * A delete with `mustExist` (absent: not found) or `'none'` (absent: nothing happens), of
 * a hot or cold counter; unpinned puts and inserts bring them back.
 */
export async function unpinnedDelete(ctx: WorkerContext): Promise<void> {
  const id = anyCounter(ctx);
  const check = ctx.rand() < 0.5 ? 'mustExist' : 'none';
  const tag = ctx.tag();
  const inv = invoke(ctx, id, { t: 'del' }, tag);
  await settle(
    [inv],
    () => ctx.store.delete(ctx.docs, id, { check, actor: tag }),
    (result) => (result.written ? { revision: result.metadata.revision } : undefined),
  );
}

const coldId = (ctx: WorkerContext) => `cold-${pick(ctx, ctx.cold)}`;
