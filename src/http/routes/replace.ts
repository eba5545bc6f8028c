import type { Version } from '../../core/metadata.js';
import { type LandingCheck, putLanding } from '../../store/document-store.js';
import {
  absentPrecondition,
  type Context,
  currentOf,
  documentResponse,
  failure,
  isAbsence,
  locationOf,
  lookup,
  lookupMetadata,
  pinned,
  preconditionFailed,
} from '../context.js';
import { documentOf } from '../document-body.js';
import { directCheck, evaluatePreconditions, hasWritePrecondition } from '../preconditions.js';
import { prefers } from '../prefer.js';
import { problem, problemResponse } from '../problem.js';

/**
 * `PUT /:collection/:id`: creates (201) or replaces (200) the document, with its
 * preconditions checked by the database in the write itself.
 */
export async function replace(ctx: Context, id: string): Promise<Response> {
  const p = ctx.preconditions;
  const document = await documentOf(ctx, id);
  if (document instanceof Response) return document;
  const save = async (check: LandingCheck, preconditioned: boolean, creates?: boolean) => {
    try {
      // Token collections pin their ETags as `{ token }`: stale, they merge the same way.
      if (preconditioned && typeof check === 'object' && ('version' in check || 'token' in check)) {
        return await saveVersion(ctx, document, check);
      }
      const result = await putLanding(ctx.store, ctx.c, document, check);
      const created = creates ?? check === 'mustNotExist';
      const extra: Record<string, string> = created ? { location: locationOf(id) } : {};
      return documentResponse(ctx, created ? 201 : 200, document, result.metadata, extra);
    } catch (error) {
      if (preconditioned && isAbsence(error)) return absentPrecondition(ctx, id);
      return failure(ctx, error, preconditioned);
    }
  };
  if (!hasWritePrecondition(p)) {
    if (!ctx.settings.requirePreconditions) {
      const existed = (await lookupMetadata(ctx, id)) !== null;
      return save('none', false, !existed);
    }
    return saveNew(ctx, id, document);
  }
  const direct = directCheck(p, ctx.c.versionKind);
  if (direct === 'failed') {
    return preconditionFailed(`No version of ${ctx.c.name}/${id} has that ETag`);
  }
  if (direct) {
    // Only a create can pass with nothing there, so an empty collection need not be asked.
    if (ctx.empty && direct !== 'mustNotExist') return absentPrecondition(ctx, id);
    return save(direct, true);
  }
  const found = await lookup(ctx, id);
  const verdict = evaluatePreconditions(
    p,
    'PUT',
    found ? currentOf(ctx.c, found.metadata) : undefined,
  );
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  return save(pinned(ctx.c, found?.metadata), true);
}

// A PUT pinned to a version: stale, it fails (412), unless `Prefer: merge` (or the
// collection's policy) asks the store to merge it with the changes made since, when the
// response is the merged document, marked with `Preference-Applied`.
async function saveVersion(
  ctx: Context,
  document: object,
  check: { version: Version } | { token: string },
): Promise<Response> {
  const asked = prefers(ctx.request.headers, 'merge');
  const result = await ctx.store.put(ctx.c, document, {
    check,
    ...(asked ? { onStale: 'merge' } : {}),
  });
  if (!result.written) throw new Error('A version-checked put is written or throws');
  if (!('merged' in result)) return documentResponse(ctx, 200, document, result.metadata);
  // Only a preference the request stated is reported applied (a policy may merge unasked).
  const applied: Record<string, string> = asked ? { 'preference-applied': 'merge' } : {};
  return documentResponse(ctx, 200, result.merged.document, result.metadata, applied);
}

// A PUT without preconditions creates, and only creates: an existing document needs them.
async function saveNew(ctx: Context, id: string, document: object): Promise<Response> {
  try {
    const result = await ctx.store.insert(ctx.c, document);
    return documentResponse(ctx, 201, document, result.metadata, { location: locationOf(id) });
  } catch (error) {
    if ((error as { code?: string }).code !== 'DUPLICATE_DOCUMENT') {
      return failure(ctx, error, false);
    }
    return preconditionRequired(ctx, id);
  }
}

/** 428 for an unconditional write of an existing document. */
export const preconditionRequired = (ctx: Context, id: string): Response =>
  problemResponse(
    problem(
      428,
      'precondition-required',
      'Precondition Required',
      `${ctx.c.name}/${id} exists: send If-Match with its ETag (or If-None-Match: * to create only)`,
    ),
  );
