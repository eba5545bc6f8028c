import type { Operations } from '../../concurrency/operations.js';
import { type DocumentPatch, documentPatcher } from '../../concurrency/patch.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { patchSaved, putLanding } from '../../store/document-store.js';
import { jsonCopy } from '../../store/schema.js';
import { readJson } from '../body.js';
import {
  type Context,
  currentOf,
  documentResponse,
  failure,
  isAbsence,
  lookup,
  noDocument,
  pinned,
  preconditionFailed,
} from '../context.js';
import { evaluatePreconditions, hasWritePrecondition } from '../preconditions.js';
import { problem, problemResponse } from '../problem.js';
import { OPERATIONS, patchOperations } from './operations.js';

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

/** The patch formats a document takes, as `Accept-Patch` lists them (RFC 5789 3.1). */
export const ACCEPT_PATCH = `${MERGE_PATCH}, ${JSON_PATCH}, ${OPERATIONS}`;

/**
 * `PATCH /:collection/:id`: a JSON Merge Patch or a JSON Patch. Without preconditions it is
 * applied server-side to the current version, with retries; with them, strictly to the
 * version they name. A missing document is 404 whatever the preconditions.
 */
export async function patch(ctx: Context, id: string): Promise<Response> {
  const p = ctx.preconditions;
  const type = (ctx.request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const formats = [MERGE_PATCH, JSON_PATCH, OPERATIONS];
  const body = await readJson(ctx.request, formats, ctx.settings.maxBodyBytes);
  if (!body.ok) {
    // A 415 names the formats that would do (RFC 5789 2.2).
    const accept: Record<string, string> =
      body.problem.status === 415 ? { 'accept-patch': ACCEPT_PATCH } : {};
    return problemResponse(body.problem, { ...body.headers, ...accept });
  }
  if (type === OPERATIONS) return patchOperations(ctx, id, p, body.value as Operations);
  const jsonPatch = type === JSON_PATCH;
  if (jsonPatch !== Array.isArray(body.value)) {
    return problemResponse(
      problem(
        422,
        'invalid-patch',
        'Unprocessable Content',
        jsonPatch ? 'A JSON Patch is an array' : 'A merge patch of a document is an object',
      ),
    );
  }
  const change = body.value as DocumentPatch;
  if (!hasWritePrecondition(p)) return patchCurrent(ctx, id, change);
  const found = await lookup(ctx, id);
  // Without its conditions this request would be a 404, so they are ignored (RFC 9110 13.2.1).
  if (!found) return noDocument(id);
  const verdict = evaluatePreconditions(p, 'PATCH', currentOf(ctx.c, found.metadata));
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  const apply = documentPatcher(change, ctx.c, ctx.store.patchLimits);
  // The patch speaks of the stored JSON, not of what a schema revives (Dates).
  const document = apply(ctx.c.schema === undefined ? found.document : jsonCopy(found.document));
  if ((document as Record<string, unknown>)[ctx.c.idField] !== id) {
    throw new InvalidArgumentError(`A patch cannot change the id of ${ctx.c.name}/${id}`);
  }
  try {
    const result = await putLanding(ctx.store, ctx.c, document, pinned(ctx.c, found.metadata));
    return documentResponse(ctx, 200, document, result.metadata);
  } catch (error) {
    return failure(ctx, error, true);
  }
}

// A patch without a version: applied server-side to the current version, with retries.
async function patchCurrent(ctx: Context, id: string, change: DocumentPatch): Promise<Response> {
  if (ctx.empty) return noDocument(id);
  try {
    const saved = await patchSaved(ctx.store, ctx.c, id, change, {
      ...(ctx.settings.retry ? { retry: ctx.settings.retry } : {}),
    });
    return documentResponse(ctx, 200, saved.document, saved.metadata);
  } catch (error) {
    if (isAbsence(error)) return noDocument(id);
    return failure(ctx, error, false);
  }
}
