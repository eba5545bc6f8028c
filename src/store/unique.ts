import type { Backend, Write } from '../backends/kit/backend.js';
import type { IndexSpec, UniqueViolation } from '../backends/kit/indexes.js';
import { applyOperations } from '../concurrency/apply-operations.js';
import type { Scalar } from '../concurrency/condition.js';
import { MISSING, resolvePath } from '../concurrency/condition-path.js';
import { UniqueConstraintError } from '../core/errors.js';
import { fieldName } from '../query/indexes.js';

/** A unique index by its name: the collection that declared it, and its fields. */
export type UniqueIndexes = Map<string, { readonly collection: string; readonly index: IndexSpec }>;

// The values a document gives the index's fields; `undefined` when one is missing or of
// another type than declared (the document is then not constrained).
function keyOf(index: IndexSpec, document: unknown): Scalar[] | undefined {
  const values = index.fields.map((f) => resolvePath(document, f.path));
  const fits = values.every((v, i) => v !== MISSING && typeof v === index.fields[i]?.type);
  return fits ? (values as Scalar[]) : undefined;
}

// The document a write would have made: its body, or for an apply, its operations on the
// document as it stands now (read again: the write was refused, so it is unchanged).
async function madeBy(backend: Backend, write: Write): Promise<unknown> {
  if (write.body !== undefined) return JSON.parse(write.body);
  if (write.op !== 'apply') return undefined;
  const stored = (await backend.read(write.tenant, write.collection, [write.id])).get(write.id);
  if (!stored) return undefined;
  try {
    return applyOperations(JSON.parse(stored.body), write.operations ?? []);
  } catch {
    return undefined;
  }
}

/**
 * The `UniqueConstraintError` of a refused write: the index's collection and fields, and,
 * where the writes say it, the id refused and the live document that holds the values
 * (found by a query on the same index). `writes` are the batch's (empty for a bulk write,
 * whose documents the database made); the holder is looked up after the refusal, so it
 * is `null` when no live document holds the values any more.
 */
export async function uniqueConstraintError(
  violation: UniqueViolation,
  indexes: UniqueIndexes,
  backend: Backend,
  writes: readonly Write[],
): Promise<Error> {
  const found = indexes.get(violation.index);
  if (!found) return unknownIndexError(violation, writes);
  const { collection, index } = found;
  const fields = index.fields.map(fieldName);
  const candidates = writes.filter((w) => w.collection === collection && w.op !== 'delete');
  for (const write of candidates) {
    const key = keyOf(index, await madeBy(backend, write).catch(() => undefined));
    if (key === undefined) continue;
    const filter = {
      op: 'and' as const,
      items: index.fields.map((f, i) => ({
        op: 'eq' as const,
        path: [...f.path],
        value: key[i] ?? null,
      })),
    };
    const holders = await backend
      .find(write.tenant, collection, { filter, sort: [], after: undefined, limit: 2 })
      .catch(() => []);
    const holder = holders.find((d) => d.id !== write.id);
    if (holder)
      return new UniqueConstraintError({ collection, fields, id: write.id, holder: holder.id });
  }
  const id = candidates.length === 1 ? (candidates[0] as Write).id : null;
  return new UniqueConstraintError({ collection, fields, id, holder: null });
}

// A unique index this store did not declare (another process's, on a collection this one
// uses as it finds it): the refusal is the same, only the fields are not known here.
function unknownIndexError(violation: UniqueViolation, writes: readonly Write[]): Error {
  const written = writes.filter((w) => w.op !== 'delete');
  const collection = written[0]?.collection;
  if (collection === undefined || written.some((w) => w.collection !== collection)) {
    return violation;
  }
  const id = written.length === 1 ? (written[0] as Write).id : null;
  return new UniqueConstraintError({ collection, fields: [], id, holder: null });
}
