import { createHandler } from '../../src/http/index.js';
import {
  type Check,
  type DocumentStore,
  type ExpectedVersion,
  type PolicyConfig,
  TransientError,
} from '../../src/index.js';
import { startServer } from '../support/http-server.js';

/** The check kinds of `Check` (src/concurrency/check.ts), by name. */
export const CHECK_KINDS = [
  'version',
  'mustExist',
  'mustNotExist',
  'none',
  'notModifiedSince',
  'condition',
  'revisionAbove',
  'tryRevisionAbove',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** Where a scenario's writer writes: documents, or streams with or without a projection. */
export type Target = 'documents' | 'stream' | 'projected';

/**
 * What the other writer does while the writer's reply is lost: an acknowledged write to
 * the same document (or stream), chosen so that the writer's check, if it were sent
 * again, would pass again whenever some write can make it.
 */
export type OtherWrite = 'put' | 'delete' | 'insert' | 'append';

/** What a scenario's writer gets. */
export interface WriterContext {
  /** A store whose next write loses its reply after it committed. */
  readonly store: DocumentStore;
  /** The documents (or streams) to write. */
  readonly ids: readonly string[];
  /** Goes into every body (and event) the writer writes, and is its actor. */
  readonly mark: string;
}

/** One write whose reply is lost, at one entry point with one check. */
export interface Scenario {
  readonly name: string;
  readonly target: Target;
  /** How many documents (or streams) it writes: 2 for a batch. */
  readonly count: 1 | 2;
  /** Whether they exist (at revision 1, or with one event) before the write. */
  readonly seeded: boolean;
  readonly other: OtherWrite;
  /** The write is a transaction of several statements (its COMMIT's reply is lost). */
  readonly transaction?: boolean;
  /** Makes the write; resolves with whether the caller was told it wrote. */
  run(ctx: WriterContext): Promise<boolean>;
}

/** The collections every store of the scenarios declares. */
export const DOCS = 'docs';
export const TALLIES = 'tallies';

/** A document as the scenarios write it. */
export interface Doc {
  id: string;
  mark: string;
  status: string;
  /** How many applies changed it (operationsOf). */
  applied?: number;
  version?: number;
}

/** The state the projection folds from a stream: the marks of its events, in order. */
export interface Tally {
  marks: string[];
}

/** Projected streams' ids start with this. */
export const PROJECTED = 'p-';

/** The documents' collection on `store` (declared on first use). */
export const docsOf = (store: DocumentStore) =>
  store.collection<Doc>(DOCS, { versionField: 'version' });

/** Declares the scenarios' collections and the projection on a store. */
export function prepare(store: DocumentStore): void {
  docsOf(store);
  const tallies = store.collection<Tally & { id: string }>(TALLIES);
  store.events.project({
    collection: tallies,
    aggregate: {
      initialState: () => ({ marks: [] as string[] }),
      evolve: (state: Tally, event: { data: Record<string, unknown> }) => ({
        marks: [...state.marks, String(event.data.mark)],
      }),
    },
    streams: (id) => id.startsWith(PROJECTED),
  });
}

/** The body every writer of the scenarios writes: its mark, and a status the condition checks. */
export const bodyOf = (id: string, mark: string): Doc => ({ id, mark, status: 'pending' });

/** An HTTP request that got no 2xx; a 503 leaves the outcome unknown. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

// How each check kind is asked for: as a check (one-call writes, sessions), as the
// strategy of update() and patch(), and whether the document must be absent for it.
// notModifiedSince names a time after the test: like mustExist, it pins no version.
const FUTURE = Date.now() + 3_600_000;
const CONDITION = { status: 'pending' };
const CHECKS: Record<CheckKind, { check: Check; policy?: PolicyConfig; absent?: true }> = {
  version: { check: { version: 1 }, policy: {} },
  mustExist: { check: 'mustExist' },
  mustNotExist: { check: 'mustNotExist', absent: true },
  none: { check: 'none', policy: { strategy: 'lastWriteWins' } },
  notModifiedSince: { check: { notModifiedSince: FUTURE }, policy: { strategy: 'timestamp' } },
  condition: {
    check: { condition: CONDITION },
    policy: { strategy: 'conditional', condition: CONDITION },
  },
  revisionAbove: { check: { revisionAbove: 10 } },
  tryRevisionAbove: { check: { tryRevisionAbove: 10 } },
};

interface Entry {
  /** An apply writes the live document as a put does, so the other writer overwrites it. */
  readonly op: 'put' | 'delete';
  readonly count: 1 | 2;
  /** Check kinds this entry point cannot carry, and why. */
  readonly notApplicable: Partial<Record<CheckKind, string>>;
  run(ctx: WriterContext, check: Check, policy: PolicyConfig | undefined): Promise<boolean>;
}

const DELETE_CANNOT = 'a delete cannot carry it (InvalidArgumentError)';
const LOADED =
  'update() loads the document, so its check is what its strategy makes of what it loaded';
const UPDATE_CANNOT: Partial<Record<CheckKind, string>> = {
  mustExist: LOADED,
  mustNotExist: LOADED,
  revisionAbove: LOADED,
  tryRevisionAbove: LOADED,
};
const DELETES_CANNOT: Partial<Record<CheckKind, string>> = {
  mustNotExist: DELETE_CANNOT,
  revisionAbove: DELETE_CANNOT,
  tryRevisionAbove: DELETE_CANNOT,
};
const APPLY_CANNOT = 'an apply changes a live document only (InvalidArgumentError)';
const APPLIES_CANNOT: Partial<Record<CheckKind, string>> = {
  mustNotExist: APPLY_CANNOT,
  revisionAbove: APPLY_CANNOT,
  tryRevisionAbove: APPLY_CANNOT,
};

/**
 * The operations every apply of the scenarios sends: its mark, and a counter that shows
 * how many times they were applied.
 */
export const operationsOf = (mark: string) => ({ $set: { mark }, $inc: { applied: 1 } });

// A session's save of every id, each with `check`; true when it wrote (a `tryRevisionAbove`
// miss leaves the entity's version field empty).
async function saveInSession(
  ctx: WriterContext,
  op: 'put' | 'delete',
  check: Check,
): Promise<boolean> {
  const session = ctx.store.openSession();
  const entities = ctx.ids.map((id) => bodyOf(id, ctx.mark));
  for (const entity of entities) {
    if (op === 'put') session.store(DOCS, entity, { check });
    else session.delete(DOCS, entity.id, { check });
  }
  await session.saveChanges();
  return op === 'delete' || entities.every((e) => e.version !== undefined);
}

// saveChanges() of one document, or of a batch of two, each with the check.
function sessionEntry(op: 'put' | 'delete', count: 1 | 2): Entry {
  return {
    op,
    count,
    notApplicable: op === 'delete' ? DELETES_CANNOT : {},
    run: (ctx, check) => saveInSession(ctx, op, check),
  };
}

const first = (ctx: WriterContext) => ctx.ids[0] as string;

// saveChanges() of an apply to each id, each with the check.
async function applyInSession(ctx: WriterContext, check: Check): Promise<boolean> {
  const session = ctx.store.openSession();
  for (const id of ctx.ids) session.apply(DOCS, id, operationsOf(ctx.mark), { check });
  await session.saveChanges();
  return true;
}

/** The document entry points, each with the check kinds it cannot carry. */
export const ENTRIES: Record<string, Entry> = {
  insert: {
    op: 'put',
    count: 1,
    notApplicable: Object.fromEntries(
      CHECK_KINDS.filter((k) => k !== 'mustNotExist').map((k) => [k, 'insert() takes no check']),
    ),
    run: async (ctx) => (await ctx.store.insert(DOCS, bodyOf(first(ctx), ctx.mark))).written,
  },
  put: {
    op: 'put',
    count: 1,
    notApplicable: {},
    run: async (ctx, check) =>
      (await ctx.store.put(DOCS, bodyOf(first(ctx), ctx.mark), { check })).written,
  },
  delete: {
    op: 'delete',
    count: 1,
    notApplicable: DELETES_CANNOT,
    run: async (ctx, check) => (await ctx.store.delete(DOCS, first(ctx), { check })).written,
  },
  update: {
    op: 'put',
    count: 1,
    notApplicable: UPDATE_CANNOT,
    async run(ctx, _check, policy) {
      await ctx.store.update<Doc>(
        DOCS,
        first(ctx),
        (doc) => {
          doc.mark = ctx.mark;
        },
        { ...(policy ? { policy } : {}) },
      );
      return true;
    },
  },
  patch: {
    op: 'put',
    count: 1,
    notApplicable: UPDATE_CANNOT,
    async run(ctx, _check, policy) {
      await ctx.store.patch(
        DOCS,
        first(ctx),
        { mark: ctx.mark },
        { ...(policy ? { policy } : {}) },
      );
      return true;
    },
  },
  apply: {
    op: 'put',
    count: 1,
    notApplicable: APPLIES_CANNOT,
    run: async (ctx, check) =>
      (await ctx.store.apply(DOCS, first(ctx), operationsOf(ctx.mark), { check })).written,
  },
  'session apply': {
    op: 'put',
    count: 1,
    notApplicable: APPLIES_CANNOT,
    run: applyInSession,
  },
  'session batch apply': {
    op: 'put',
    count: 2,
    notApplicable: APPLIES_CANNOT,
    run: applyInSession,
  },
  'session store': sessionEntry('put', 1),
  'session delete': sessionEntry('delete', 1),
  'session batch store': sessionEntry('put', 2),
  'session batch delete': sessionEntry('delete', 2),
};

// The other writer's move: re-create what was deleted, delete what was created, else
// overwrite with a version check.
const otherWriteOf = (op: 'put' | 'delete', kind: CheckKind): OtherWrite =>
  op === 'delete' ? 'insert' : kind === 'mustNotExist' ? 'delete' : 'put';

const documentScenarios: Scenario[] = Object.entries(ENTRIES).flatMap(([name, entry]) =>
  CHECK_KINDS.filter((kind) => entry.notApplicable[kind] === undefined).map((kind) => {
    const { check, policy, absent } = CHECKS[kind];
    return {
      name: `${name} with ${kind}`,
      target: 'documents' as const,
      count: entry.count,
      seeded: !absent,
      other: otherWriteOf(entry.op, kind),
      run: (ctx: WriterContext) => entry.run(ctx, check, policy),
    };
  }),
);

const EXPECTATIONS: readonly { name: string; expected: ExpectedVersion; seeded: boolean }[] = [
  { name: 'version', expected: 1, seeded: true },
  { name: 'noStream', expected: 'noStream', seeded: false },
  { name: 'streamExists', expected: 'streamExists', seeded: true },
  { name: 'any', expected: 'any', seeded: true },
];

const appendScenarios: Scenario[] = (['stream', 'projected'] as const).flatMap((target) =>
  EXPECTATIONS.map(({ name, expected, seeded }) => ({
    name: `append expecting ${name}${target === 'projected' ? ' with a projection' : ''}`,
    target,
    count: 1 as const,
    seeded,
    other: 'append' as const,
    transaction: target === 'projected',
    async run(ctx: WriterContext) {
      await ctx.store.events.appendToStream(
        first(ctx),
        [{ type: 'Marked', data: { mark: ctx.mark } }],
        { expectedVersion: expected },
      );
      return true;
    },
  })),
);

interface HttpCase {
  readonly method: 'PUT' | 'PATCH' | 'DELETE';
  /** The precondition sent, as it reads in the test's name. */
  readonly precondition: string;
  readonly headers: Record<string, string>;
  readonly seeded: boolean;
  /** `false`: the handler lets writes without a precondition through (last write wins). */
  readonly requirePreconditions?: false;
  /** A PATCH of atomic operations rather than a merge patch. */
  readonly operations?: true;
}

const UNMODIFIED = new Date(FUTURE).toUTCString();
// The preconditions a request to a stored document may carry.
const preconditionsOf = (method: HttpCase['method']): HttpCase[] => [
  { method, precondition: 'If-Match: "1"', headers: { 'if-match': '"1"' }, seeded: true },
  { method, precondition: 'If-Match: *', headers: { 'if-match': '*' }, seeded: true },
  {
    method,
    precondition: 'If-Unmodified-Since',
    headers: { 'if-unmodified-since': UNMODIFIED },
    seeded: true,
  },
  {
    method,
    precondition: 'none (preconditions not required)',
    headers: {},
    seeded: true,
    requirePreconditions: false as const,
  },
];
const HTTP_PRECONDITIONS_OF_PATCH = preconditionsOf('PATCH');
const HTTP_CASES: readonly HttpCase[] = [
  ...(['PUT', 'PATCH', 'DELETE'] as const).flatMap(preconditionsOf),
  {
    method: 'PUT',
    precondition: 'If-None-Match: *',
    headers: { 'if-none-match': '*' },
    seeded: false,
  },
  { method: 'PUT', precondition: 'none, creating', headers: {}, seeded: false },
  ...HTTP_PRECONDITIONS_OF_PATCH.map((c) => ({ ...c, operations: true as const })),
];

// One request to a node:http server on 127.0.0.1 serving the writer's store.
async function request(ctx: WriterContext, c: HttpCase): Promise<boolean> {
  const server = await startServer('node', (basePath) =>
    createHandler(ctx.store, {
      collections: [docsOf(ctx.store)],
      basePath,
      ...(c.requirePreconditions === false ? { requirePreconditions: false } : {}),
    }),
  );
  try {
    const sent =
      c.method === 'PUT'
        ? bodyOf(first(ctx), ctx.mark)
        : c.operations
          ? operationsOf(ctx.mark)
          : { mark: ctx.mark };
    const body = c.method === 'DELETE' ? undefined : JSON.stringify(sent);
    const type =
      c.method === 'PUT'
        ? 'application/json'
        : c.operations
          ? 'application/vnd.noclobber.ops+json'
          : 'application/merge-patch+json';
    const response = await fetch(`${server.url}/${DOCS}/${encodeURIComponent(first(ctx))}`, {
      method: c.method,
      headers: { ...c.headers, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    if (!response.ok) throw new HttpFailure(response.status, text);
    return true;
  } finally {
    await server.close();
  }
}

const httpScenarios: Scenario[] = HTTP_CASES.map((c) => ({
  name: `HTTP ${c.method}${c.operations ? ' of operations' : ''} with ${c.precondition}`,
  target: 'documents',
  count: 1,
  seeded: c.seeded,
  other: c.method === 'DELETE' ? 'insert' : c.seeded ? 'put' : 'delete',
  run: (ctx) => request(ctx, c),
}));

/** Every scenario: document entry points × check kinds, appends, HTTP. */
export const SCENARIOS: readonly Scenario[] = [
  ...documentScenarios,
  ...appendScenarios,
  ...httpScenarios,
];

/** What a write's caller was told. */
export type Report = 'written' | 'skipped' | 'unknown' | { readonly failed: unknown };

/**
 * Runs a scenario's write and sorts what its caller was told: `unknown` for an ambiguous
 * `TransientError` (or the 503 HTTP turns every `TransientError` into).
 */
export async function reportOf(write: () => Promise<boolean>): Promise<Report> {
  try {
    return (await write()) ? 'written' : 'skipped';
  } catch (error) {
    if (error instanceof TransientError && error.ambiguous) return 'unknown';
    if (error instanceof HttpFailure && error.status === 503) return 'unknown';
    return { failed: error };
  }
}
