import type { Backend, Write, WriteOutcome } from '../backends/backend.js';
import type { NormalizedCheck } from '../concurrency/check.js';
import {
  BatchWriteError,
  ConcurrencyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  type Expectation,
  TransientError,
  type WriteFailure,
} from '../concurrency/errors.js';
import { sleep } from '../concurrency/retry.js';
import type { DocumentMetadata } from './metadata.js';
import type { PlannedWrite } from './writes.js';

// How often one commit is tried when the database fails (not when a check fails), and
// the first pause between tries; pauses double, with full jitter.
const TRANSIENT_ATTEMPTS = 6;
const TRANSIENT_DELAY = 20;

/**
 * Runs a read again when the database fails transiently (a read is always safe to
 * repeat), with the same tries and pauses as a commit; other errors pass through.
 */
export async function readRetrying<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= TRANSIENT_ATTEMPTS) throw error;
      await sleep(Math.random() * TRANSIENT_DELAY * 2 ** (attempt - 1));
    }
  }
}

/**
 * Commits planned writes in one backend transaction. All or nothing: a single failure
 * is thrown as itself (`ConcurrencyError`, `DocumentNotFoundError`,
 * `DuplicateDocumentError`), several as one `BatchWriteError` listing every one.
 *
 * When the database fails, the batch is tried again, but never blindly: after a failure
 * that may have committed (the connection died mid-commit), the stored tokens are read
 * first, and a batch whose token is found landed and is not written again.
 */
export async function commitPlanned(
  backend: Backend,
  planned: readonly PlannedWrite[],
): Promise<WriteOutcome[]> {
  if (planned.length === 0) return [];
  const writes = planned.map((p) => p.write);
  let outcomes: WriteOutcome[] | undefined;
  // An earlier try that may have committed, and whose token was not found stored.
  let unresolved: TransientError | undefined;
  for (let attempt = 1; outcomes === undefined; attempt++) {
    try {
      outcomes = await backend.commit(writes);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const landed = error.ambiguous ? await landedOutcomes(backend, writes) : undefined;
      if (landed) return landed;
      if (error.ambiguous) unresolved = error;
      if (attempt >= TRANSIENT_ATTEMPTS) throw unresolved ?? error;
      await sleep(Math.random() * TRANSIENT_DELAY * 2 ** (attempt - 1));
    }
  }
  // A try that fails its checks after an unresolved one proves nothing: the first may have
  // landed and been overwritten since (its token gone). The outcome stays unknown.
  if (unresolved && outcomes.some((o) => o.status !== 'ok' && o.status !== 'skipped')) {
    throw unresolved;
  }
  return settleOutcomes(planned, outcomes);
}

/**
 * Turns a backend's outcomes into the caller's: failures thrown (one as itself, several as
 * a `BatchWriteError`), successes returned in order.
 */
export function settleOutcomes(
  planned: readonly PlannedWrite[],
  outcomes: readonly WriteOutcome[],
): WriteOutcome[] {
  const settled = outcomes.map((outcome, i) =>
    ownWrite((planned[i] as PlannedWrite).write, outcome),
  );
  const failures: WriteFailure[] = [];
  settled.forEach((outcome, i) => {
    const failure = failureOf(planned[i] as PlannedWrite, outcome);
    if (failure) failures.push(failure);
  });
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new BatchWriteError(failures);
  return settled;
}

// A conflict against our own token means an earlier try of this very batch committed
// after its connection died: the write landed once, and that is a success.
function ownWrite(write: Write, outcome: WriteOutcome): WriteOutcome {
  if (outcome.status === 'conflict' && outcome.actual?.token === write.token) {
    return { status: 'ok', metadata: outcome.actual };
  }
  return outcome;
}

/**
 * Reads back the tokens of an ambiguous batch. Tokens are unique to one write, so any
 * stored token of ours proves the whole (atomic) batch committed: its outcomes are
 * returned. `undefined` means it did not land, or that the read failed too, in which
 * case the caller's next try of the batch meets its own token as a conflict if it did.
 */
async function landedOutcomes(
  backend: Backend,
  writes: readonly Write[],
): Promise<WriteOutcome[] | undefined> {
  const groups = new Map<string, { tenant: string; collection: string; ids: string[] }>();
  for (const w of writes) {
    const group = groups.get(scopeKey(w)) ?? {
      tenant: w.tenant,
      collection: w.collection,
      ids: [],
    };
    group.ids.push(w.id);
    groups.set(scopeKey(w), group);
  }
  const stored = new Map<string, DocumentMetadata>();
  try {
    for (const [key, g] of groups) {
      for (const [id, metadata] of await backend.peek(g.tenant, g.collection, g.ids)) {
        stored.set(`${key}\u0000${id}`, metadata);
      }
    }
  } catch {
    return undefined;
  }
  const ours = writes.map((w) => {
    const metadata = stored.get(`${scopeKey(w)}\u0000${w.id}`);
    return metadata?.token === w.token ? metadata : undefined;
  });
  if (!ours.some(Boolean)) return undefined;
  return ours.map((metadata) => (metadata ? { status: 'ok', metadata } : { status: 'skipped' }));
}

const scopeKey = (w: Write) => `${w.tenant}\u0000${w.collection}`;

function failureOf(
  { write, collection }: PlannedWrite,
  outcome: WriteOutcome,
): WriteFailure | null {
  switch (outcome.status) {
    case 'notFound':
      return new DocumentNotFoundError(write.collection, write.id);
    case 'duplicate':
      return new DuplicateDocumentError(
        write.collection,
        write.id,
        outcome.actual,
        collection.versionKind,
      );
    case 'conflict':
      return new ConcurrencyError({
        collection: write.collection,
        id: write.id,
        expectation: expectationOf(write.check),
        actual: outcome.actual,
        // A token check on a revision collection reports tokens (getWithToken's flow).
        versionKind:
          write.check.kind === 'version' ? write.check.versionKind : collection.versionKind,
      });
    default:
      return null;
  }
}

function expectationOf(check: NormalizedCheck): Expectation {
  switch (check.kind) {
    case 'version':
      return { kind: 'version', version: check.version };
    case 'notModifiedSince':
      return { kind: 'notModifiedSince', time: check.time };
    case 'condition':
      return { kind: 'condition' };
    case 'revisionAbove':
      return { kind: 'revisionAbove', revision: check.revision };
    default:
      return { kind: 'mustExist' };
  }
}
