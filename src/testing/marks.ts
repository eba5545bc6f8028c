import type { CommittedVersion, RecordedOperation, Violation } from './operations.js';

/**
 * Checks the marked writes of one key against its committed versions: an accepted write's
 * mark is in exactly one version, an unknown one's in at most one, a refused one's in
 * none, and no version carries a mark no write of the history made. Unmarked versions
 * belong to unmarked writes: at least one per accepted unmarked write, and no more than
 * the accepted and unknown unmarked writes together.
 */
export function checkMarks<Value>(
  key: string,
  operations: readonly RecordedOperation<Value>[],
  versions: readonly CommittedVersion[],
): Violation<Value>[] {
  const violations: Violation<Value>[] = [];
  const found = new Map<string | null, number[]>();
  for (const v of versions) found.set(v.mark, [...(found.get(v.mark) ?? []), v.revision]);
  const report = (kind: Violation['kind'], message: string, ops: RecordedOperation<Value>[]) =>
    violations.push({ kind, key, message: `${key}: ${message}`, operations: ops });
  const marks = new Set<string>();
  for (const op of operations) {
    if (op.mark === undefined) continue;
    marks.add(op.mark);
    const at = found.get(op.mark) ?? [];
    if (at.length > 1) {
      report('applied-twice', `${op.mark} (${op.status}) committed at revisions ${at.join(', ')}`, [
        op,
      ]);
    } else if (op.status === 'ok' && at.length === 0) {
      report('lost-write', `${op.mark} was accepted but never committed`, [op]);
    } else if (op.status === 'fail' && at.length > 0) {
      report('phantom-write', `${op.mark} was refused but committed at revision ${at[0]}`, [op]);
    }
  }
  for (const [mark, at] of found) {
    if (mark !== null && !marks.has(mark)) {
      report('phantom-write', `revision ${at[0]} carries ${mark}, which no write made`, []);
    }
  }
  const unmarked = operations.filter((op) => op.mark === undefined);
  const accepted = unmarked.filter((op) => op.status === 'ok');
  const unknown = unmarked.filter((op) => op.status === 'unknown');
  const made = found.get(null)?.length ?? 0;
  if (made < accepted.length) {
    report(
      'lost-write',
      `${accepted.length} unmarked writes accepted, ${made} committed`,
      accepted,
    );
  }
  if (made > accepted.length + unknown.length) {
    report(
      'applied-twice',
      `${made} unmarked versions for ${accepted.length} accepted and ${unknown.length} unknown unmarked writes`,
      [...accepted, ...unknown],
    );
  }
  return violations;
}
