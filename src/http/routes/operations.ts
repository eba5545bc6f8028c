import type { Operations } from '../../concurrency/operations.js';
import type { DocumentMetadata } from '../../core/metadata.js';
import type { LandingCheck } from '../../store/document-store.js';
import {
  type Context,
  currentOf,
  documentResponse,
  etagOf,
  failure,
  isAbsence,
  lookupMetadata,
  noDocument,
  pinned,
  preconditionFailed,
} from '../context.js';
import { formatHttpDate } from '../http-date.js';
import {
  directCheck,
  evaluatePreconditions,
  hasWritePrecondition,
  type Preconditions,
} from '../preconditions.js';

/** The media type of atomic operations (`{ "$inc": { "stock": -3 } }`) in a PATCH. */
export const OPERATIONS = 'application/vnd.noclobber.ops+json';

/**
 * `PATCH /:collection/:id` with atomic operations: applied by the database to the stored
 * document in the write's own statement, so no precondition is needed for a safe change.
 * `If-Match: "v"` (or `*`) becomes the write's check; other preconditions are judged
 * against the current document and the write pinned to the version judged. Answers 200
 * with the new document, 404 when there is none, 412 when a precondition fails, 422
 * (`operation-type-mismatch`) when the operations do not fit the stored document, 400
 * (`invalid-operations`) when they are malformed.
 */
export async function patchOperations(
  ctx: Context,
  id: string,
  p: Preconditions,
  operations: Operations,
): Promise<Response> {
  if (ctx.empty) return noDocument(id);
  if (!hasWritePrecondition(p)) return applyChecked(ctx, id, operations, 'mustExist', false);
  const direct = directCheck(p, ctx.c.versionKind);
  if (direct && direct !== 'failed' && direct !== 'mustNotExist') {
    return applyChecked(ctx, id, operations, direct, true);
  }
  const found = await lookupMetadata(ctx, id);
  if (!found) return noDocument(id);
  if (direct !== undefined) return preconditionFailed(`The precondition does not hold for ${id}`);
  const verdict = evaluatePreconditions(p, 'PATCH', currentOf(ctx.c, found));
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  return applyChecked(ctx, id, operations, pinned(ctx.c, found), true);
}

async function applyChecked(
  ctx: Context,
  id: string,
  operations: Operations,
  check: LandingCheck,
  preconditioned: boolean,
): Promise<Response> {
  try {
    const applied = await ctx.store.apply(ctx.c, id, operations, { check });
    if (applied.document === null) return landedOnly(ctx, applied.metadata);
    return documentResponse(ctx, 200, applied.document, applied.metadata);
  } catch (error) {
    if (isAbsence(error)) return noDocument(id);
    return failure(ctx, error, preconditioned);
  }
}

// The operations landed (their lost reply was settled by the write log), but the document
// they made was changed again before it could be read back: 204 with the version written.
function landedOnly(ctx: Context, metadata: DocumentMetadata): Response {
  const headers = {
    etag: etagOf(ctx.c, metadata),
    'last-modified': formatHttpDate(metadata.lastModified),
  };
  return new Response(null, { status: 204, headers });
}
