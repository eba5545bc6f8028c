import type { LandedWrite } from '../backends/kit/backend.js';
import {
  type BulkOutcome,
  type BulkWrite,
  type BulkWritten,
  bulkRowToken,
} from '../backends/kit/bulk.js';

/**
 * What the write log says a bulk write did, given its records of the call token: the
 * call's record holds how many documents the try that committed wrote, and their own
 * records (read by their tokens, `token.1` … `token.n`) which, in id order. `undefined`
 * when the call has no record (no try committed, as far as the log can tell) or some of
 * its documents' records are gone (pruned): the outcome is then unknown.
 */
export async function bulkLanded(
  bulk: BulkWrite,
  records: Map<string, LandedWrite>,
  landed: (tokens: readonly string[]) => Promise<Map<string, LandedWrite>>,
): Promise<BulkOutcome | undefined> {
  const call = records.get(bulk.token);
  if (!call) return undefined;
  const tokens = Array.from({ length: call.revision }, (_, i) => bulkRowToken(bulk.token, i + 1));
  const rows = tokens.length > 0 ? await landed(tokens) : new Map<string, LandedWrite>();
  const written: BulkWritten[] = [];
  for (const token of tokens) {
    const row = rows.get(token);
    if (!row) return undefined;
    const metadata = {
      revision: row.revision,
      token,
      seq: Number(row.seq),
      lastModified: row.at,
      lastModifiedBy: bulk.actor,
    };
    written.push({ id: row.id, metadata });
  }
  return { status: 'ok', written };
}
