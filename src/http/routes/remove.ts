import type { Check } from '../../concurrency/check.js';
import {
  type Context,
  currentOf,
  failure,
  isAbsence,
  lookupMetadata,
  noDocument,
  pinned,
  preconditionFailed,
} from '../context.js';
import { directCheck, evaluatePreconditions, hasWritePrecondition } from '../preconditions.js';
import { preconditionRequired } from './replace.js';

/**
 * `DELETE /:collection/:id`: 204, 412 when a precondition fails, 428 without one (when
 * required), and 404 for a missing document whatever the preconditions (RFC 9110
 * 13.2.1: without them the answer would be 404, so they are ignored).
 */
export async function remove(ctx: Context, id: string): Promise<Response> {
  const p = ctx.preconditions;
  if (!hasWritePrecondition(p)) {
    if (!(await lookupMetadata(ctx, id))) return noDocument(id);
    if (ctx.settings.requirePreconditions) return preconditionRequired(ctx, id);
    return deleteChecked(ctx, id, 'mustExist', false);
  }
  const direct = directCheck(p, ctx.c.versionKind);
  if (direct && direct !== 'failed' && direct !== 'mustNotExist') {
    // The check runs in the delete; a miss tells absence and conflict apart.
    if (ctx.empty) return noDocument(id);
    return deleteChecked(ctx, id, direct, true);
  }
  const found = await lookupMetadata(ctx, id);
  if (!found) return noDocument(id);
  if (direct === 'failed')
    return preconditionFailed(`No version of ${ctx.c.name}/${id} has that ETag`);
  const verdict = evaluatePreconditions(p, 'DELETE', currentOf(ctx.c, found));
  if (verdict !== 'proceed') return preconditionFailed(`The precondition does not hold for ${id}`);
  return deleteChecked(ctx, id, pinned(ctx.c, found), true);
}

async function deleteChecked(
  ctx: Context,
  id: string,
  check: Check,
  preconditioned: boolean,
): Promise<Response> {
  try {
    await ctx.store.delete(ctx.c, id, { check });
    return new Response(null, { status: 204 });
  } catch (error) {
    if (isAbsence(error)) return noDocument(id);
    return failure(ctx, error, preconditioned);
  }
}
