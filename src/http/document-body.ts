import { isPlainObject } from '../core/json.js';
import { readJson } from './body.js';
import type { Context } from './context.js';
import { problem, problemResponse } from './problem.js';

const JSON_TYPES = ['application/json'];

const invalid = (detail: string) =>
  problemResponse(problem(400, 'invalid-document', 'Bad Request', detail));

/**
 * The request's JSON document, with the id of the path (`id`) in its id field, or the
 * response refusing it. For a POST (`id` undefined) the body must not name an id.
 */
export async function documentOf(ctx: Context, id: string | undefined): Promise<object | Response> {
  const body = await readJson(ctx.request, JSON_TYPES, ctx.settings.maxBodyBytes);
  if (!body.ok) return problemResponse(body.problem, body.headers);
  if (!isPlainObject(body.value)) return invalid('A document is a JSON object');
  const document = body.value as Record<string, unknown>;
  const field = ctx.c.idField;
  if (id === undefined) {
    if (Object.hasOwn(document, field)) {
      return invalid(`POST makes the id; PUT to /${ctx.c.name}/<id> to choose one`);
    }
    return document;
  }
  if (Object.hasOwn(document, field) && document[field] !== id) {
    return invalid(`The body's ${field} differs from the path`);
  }
  return { ...document, [field]: id };
}
