/**
 * A history of concurrent operations on documents, and a checker for the promise that
 * no write is ever silently lost (the way Jepsen checks databases). Record each write as
 * it is invoked and as it ends (ok, failed, or unknown when the outcome could not be
 * known), read the final state, and `checkHistory` reports every violation with the
 * operations involved.
 */

import { checkMarks } from './marks.js';
import type {
  CommittedVersion,
  OperationStatus,
  RecordedOperation,
  Violation,
} from './operations.js';

export type { CommittedVersion, OperationStatus, RecordedOperation, Violation };

/** The handle of an invoked operation: end it exactly once. */
export interface Invocation<Value> {
  readonly operation: RecordedOperation<Value>;
  /** It landed, once; give the revision it produced whenever the caller learnt it. */
  ok(result: { revision?: number; token?: string; base?: number }): void;
  fail(error: unknown): void;
  unknown(error: unknown): void;
}

/** A recorded history. Safe to share between async writers of one process. */
export class History<Value = unknown> {
  readonly #operations: RecordedOperation<Value>[] = [];

  /**
   * Records that `process` starts writing `key` with `value`, having read revision `base`
   * (when it did), leaving `mark` in what it commits (when it does).
   */
  invoke(
    process: string,
    key: string,
    value: Value,
    base?: number,
    mark?: string,
  ): Invocation<Value> {
    const operation: RecordedOperation<Value> = {
      index: this.#operations.length,
      process,
      key,
      value,
      status: 'pending',
      ...(base === undefined ? {} : { base }),
      ...(mark === undefined ? {} : { mark }),
    };
    this.#operations.push(operation);
    const end = (status: OperationStatus, fields: Partial<RecordedOperation<Value>>) => {
      if (operation.status !== 'pending') {
        throw new Error(`Operation ${operation.index} already ended as ${operation.status}`);
      }
      Object.assign(operation, fields, { status });
    };
    return {
      operation,
      ok: (result) => end('ok', result),
      fail: (error) => end('fail', { error }),
      unknown: (error) => end('unknown', { error }),
    };
  }

  /** Adds operations recorded elsewhere (another thread or process), in their order. */
  merge(operations: readonly Omit<RecordedOperation<Value>, 'index'>[]): void {
    for (const op of operations) this.#operations.push({ ...op, index: this.#operations.length });
  }

  get operations(): readonly RecordedOperation<Value>[] {
    return this.#operations;
  }
}

/**
 * What a key holds at the end: its revision (a deleted document keeps the revision of its
 * delete) and state (`undefined` when deleted). `null`: it was never written.
 */
export interface FinalState<State> {
  readonly revision: number;
  readonly state: State | undefined;
  /**
   * Every committed version of the key, oldest first, with the mark of the write that made
   * it (`null`: none), e.g. from an audit trigger. With them each marked write is found
   * exactly: accepted ones once, unknown ones at most once, refused ones never.
   */
  readonly versions?: readonly CommittedVersion[];
}

/** How to replay accepted writes: what a key holds after each, and when two states agree. */
export interface Model<State, Value> {
  /** The state after `value` was applied to `state` (`undefined`: the key did not exist). */
  apply(state: State | undefined, value: Value): State | undefined;
  equals?(a: State | undefined, b: State | undefined): boolean;
}

/** The checker's verdict. */
export interface CheckResult<Value = unknown> {
  readonly valid: boolean;
  readonly violations: readonly Violation<Value>[];
  /** Counts of operations by status, for reports. */
  readonly counts: Readonly<Record<OperationStatus, number>>;
}

/**
 * Checks a history against the final state of every key it wrote:
 * - no two accepted writes of a key claim the same revision;
 * - every accepted write was made on the revision just before its own (it saw the latest
 *   state: nothing it did not see was overwritten);
 * - revisions are gapless: every revision up to the final one was produced by exactly one
 *   accepted write, or by an operation whose outcome is unknown (each of which can
 *   account for at most one revision); an accepted write recorded without its revision
 *   accounts for exactly one of the revisions left (fewer left: it was lost);
 * - the final revision is the highest produced, and with a `model`, the final state equals
 *   the accepted writes (and the unknown ones the gaps require) applied in revision order;
 * - no operation is still pending;
 * - with `versions` in the finals, each write by its mark (see `checkMarks`).
 */
export function checkHistory<State, Value>(
  history: History<Value> | readonly RecordedOperation<Value>[],
  finals: ReadonlyMap<string, FinalState<State> | null>,
  model?: Model<State, Value>,
): CheckResult<Value> {
  const operations = history instanceof History ? history.operations : history;
  const violations: Violation<Value>[] = [];
  const counts = { pending: 0, ok: 0, fail: 0, unknown: 0 };
  for (const op of operations) counts[op.status]++;
  const pending = operations.filter((op) => op.status === 'pending');
  if (pending.length > 0) {
    violations.push({
      kind: 'pending',
      key: pending[0]?.key ?? '',
      message: `${pending.length} operations never ended`,
      operations: pending,
    });
  }
  const byKey = new Map<string, RecordedOperation<Value>[]>();
  for (const op of operations) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  for (const key of new Set([...byKey.keys(), ...finals.keys()])) {
    checkKey(key, byKey.get(key) ?? [], finals.get(key), model, violations);
  }
  return { valid: violations.length === 0, violations, counts };
}

function checkKey<State, Value>(
  key: string,
  operations: RecordedOperation<Value>[],
  final: FinalState<State> | null | undefined,
  model: Model<State, Value> | undefined,
  violations: Violation<Value>[],
): void {
  if (final?.versions) violations.push(...checkMarks(key, operations, final.versions));
  const accepted = operations
    .filter((op) => op.status === 'ok' && op.revision !== undefined)
    .sort((a, b) => (a.revision as number) - (b.revision as number));
  // Accepted writes whose revision is not known must each fill one gap; unknown ones may.
  const placeless = operations.filter((op) => op.status === 'ok' && op.revision === undefined);
  const unknown = operations.filter((op) => op.status === 'unknown');
  const byRevision = new Map<number, RecordedOperation<Value>>();
  for (const op of accepted) {
    const other = byRevision.get(op.revision as number);
    if (other) {
      violations.push({
        kind: 'duplicate-revision',
        key,
        message: `Two accepted writes of ${key} claim revision ${op.revision}`,
        operations: [other, op],
      });
    }
    byRevision.set(op.revision as number, op);
    if (op.base !== undefined && op.base !== (op.revision as number) - 1) {
      violations.push({
        kind: 'lost-update',
        key,
        message: `A write of ${key} read revision ${op.base} but produced ${op.revision}: it overwrote a change it never saw`,
        operations: [op],
      });
    }
  }
  const top = accepted.reduce((max, op) => Math.max(max, op.revision as number), 0);
  const finalRevision = final?.revision ?? 0;
  if (final !== undefined && finalRevision < top) {
    violations.push({
      kind: 'final-revision',
      key,
      message: `${key} ends at revision ${finalRevision}, below the accepted revision ${top}`,
      operations: accepted.filter((op) => (op.revision as number) > finalRevision),
    });
  }
  // Revisions no accepted write produced must each be an unknown operation that landed.
  const end = Math.max(top, finalRevision);
  const first = accepted.reduce((min, op) => Math.min(min, op.revision as number), end + 1);
  const gaps: number[] = [];
  for (let r = Math.min(first, 1); r <= end; r++) if (r >= 1 && !byRevision.has(r)) gaps.push(r);
  if (gaps.length < placeless.length) {
    violations.push({
      kind: 'lost-update',
      key,
      message: `${key} has ${placeless.length} accepted writes without a revision but only ${gaps.length} revisions for them: an accepted write is missing`,
      operations: placeless,
    });
  }
  if (gaps.length > placeless.length + unknown.length) {
    violations.push({
      kind: 'gap',
      key,
      message: `${key} has ${gaps.length} revisions (${gaps.slice(0, 5).join(', ')}${gaps.length > 5 ? ', …' : ''}) no write accounts for, and only ${unknown.length} unknown operations${placeless.length > 0 ? ` and ${placeless.length} accepted ones without a revision` : ''}`,
      operations: [...placeless, ...unknown],
    });
  }
  if (!model || final === undefined) return;
  // Replay: accepted writes in revision order; the gaps can only be filled by unknown
  // operations, and the final state must be reachable that way.
  const equals = model.equals ?? ((a, b) => JSON.stringify(a) === JSON.stringify(b));
  if (gaps.length > 0) {
    const fillers = { required: placeless, optional: unknown };
    if (!replaysWithUnknowns(accepted, fillers, gaps, end, model, equals, final)) {
      violations.push({
        kind: 'final-state',
        key,
        message: `The final state of ${key} is not the accepted writes applied in order (with any choice of the unknown ones for the ${gaps.length} gaps)`,
        operations: [...accepted, ...placeless, ...unknown],
      });
    }
    return;
  }
  let state: State | undefined;
  for (const op of accepted) state = model.apply(state, op.value);
  if (!equals(state, final?.state)) {
    violations.push({
      kind: 'final-state',
      key,
      message: `The final state of ${key} is not the accepted writes applied in revision order`,
      operations: accepted,
    });
  }
}

// With gaps, try every assignment of distinct operations to them (bounded): each accepted
// one without a revision fills exactly one gap, each unknown one at most one.
function replaysWithUnknowns<State, Value>(
  accepted: RecordedOperation<Value>[],
  fillers: { required: RecordedOperation<Value>[]; optional: RecordedOperation<Value>[] },
  gaps: number[],
  end: number,
  model: Model<State, Value>,
  equals: (a: State | undefined, b: State | undefined) => boolean,
  final: FinalState<State> | null,
): boolean {
  const byRevision = new Map(accepted.map((op) => [op.revision as number, op]));
  let budget = 10_000;
  const search = (
    gap: number,
    used: Set<number>,
    filled: Map<number, RecordedOperation<Value>>,
  ): boolean => {
    if (--budget < 0) return true; // too many combinations to rule out: give the benefit of doubt
    const missing = fillers.required.filter((op) => !used.has(op.index)).length;
    if (missing > gaps.length - gap) return false;
    if (gap === gaps.length) {
      let state: State | undefined;
      for (let r = 1; r <= end; r++) {
        const op = byRevision.get(r) ?? filled.get(r);
        if (op) state = model.apply(state, op.value);
      }
      return equals(state, final?.state);
    }
    for (const op of [...fillers.required, ...fillers.optional]) {
      if (used.has(op.index)) continue;
      used.add(op.index);
      filled.set(gaps[gap] as number, op);
      if (search(gap + 1, used, filled)) return true;
      used.delete(op.index);
      filled.delete(gaps[gap] as number);
    }
    return false;
  };
  return search(0, new Set(), new Map());
}
