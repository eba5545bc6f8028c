import type { WriteOutcome } from '../backends/kit/backend.js';
import type { NormalizedCheck } from '../concurrency/check.js';
import {
  BatchWriteError,
  ConcurrencyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  type Expectation,
  InvalidDocumentError,
  OperationTypeError,
  type WriteFailure,
} from '../core/errors.js';
import type { DocumentMetadata } from '../core/metadata.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { PlannedWrite } from './writes.js';

/**
 * Commits planned writes in one transaction through the runtime (which settles database
 * failures, see `BackendRuntime`). All or nothing: a single failure is thrown as itself
 * (`ConcurrencyError`, `DocumentNotFoundError`, `DuplicateDocumentError`), several as one
 * `BatchWriteError` listing every one.
 */
export async function commitPlanned(
  backend: BackendRuntime,
  planned: readonly PlannedWrite[],
  signal?: AbortSignal,
): Promise<WriteOutcome[]> {
  if (planned.length === 0) return [];
  return settleOutcomes(
    planned,
    await backend.commit(
      planned.map((p) => p.write),
      signal,
    ),
  );
}

/**
 * Turns a backend's outcomes into the caller's: failures thrown (one as itself, several as
 * a `BatchWriteError`), successes returned in order.
 */
export function settleOutcomes(
  planned: readonly PlannedWrite[],
  outcomes: readonly WriteOutcome[],
): WriteOutcome[] {
  const failures: WriteFailure[] = [];
  outcomes.forEach((outcome, i) => {
    const failure = failureOf(planned[i] as PlannedWrite, outcome);
    if (failure) failures.push(failure);
  });
  // Operations that do not fit are a mistake of the writer, not a race: the first is
  // thrown as itself, whatever else failed.
  const unfit = outcomes.findIndex((outcome) => outcome.status === 'unfit');
  if (unfit >= 0) throw unfitError(planned[unfit] as PlannedWrite, outcomes[unfit] as Unfit);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new BatchWriteError(failures);
  return [...outcomes];
}

/**
 * The saved metadata of a write that lands or fails, never silently: a put with any check
 * but `tryRevisionAbove`. A failure is thrown as `settleOutcomes` throws it; any other
 * outcome than `ok` (or none) breaks the backend's contract, and is thrown as that.
 */
export function landedOf(
  planned: PlannedWrite,
  outcome: WriteOutcome | undefined,
): DocumentMetadata {
  const [settled] = settleOutcomes([planned], outcome ? [outcome] : []);
  if (settled?.status === 'ok') return settled.metadata;
  const { collection, id, check } = planned.write;
  throw new Error(
    `The backend reported ${settled?.status ?? 'no outcome'} for ${collection}/${id}, whose check (${check.kind}) cannot miss silently`,
  );
}

/** Commits one write that lands or fails (see `landedOf`): its saved metadata. */
export async function commitLanding(
  backend: BackendRuntime,
  planned: PlannedWrite,
  signal?: AbortSignal,
): Promise<DocumentMetadata> {
  const [outcome] = await backend.commit([planned.write], signal);
  return landedOf(planned, outcome);
}

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

type Unfit = Extract<WriteOutcome, { status: 'unfit' }>;

function unfitError({ write }: PlannedWrite, outcome: Unfit): Error {
  const where = `${write.collection}/${write.id}`;
  if (outcome.reason === 'size') {
    return new InvalidDocumentError(
      `The operations make ${where} ${outcome.bytes} bytes of JSON, more than the limit of ${write.maxBytes}: nothing was written`,
    );
  }
  return new OperationTypeError(
    `The operations do not fit ${where} as stored ($inc on a non-number, $push on a non-array, a path through a scalar or past an array's end, or a result beyond the range of doubles): nothing was written`,
    { collection: write.collection, id: write.id },
  );
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
