import {
  type Backend,
  type FoundDocument,
  isFound,
  type PastBudget,
  type Write,
} from '../backends/kit/backend.js';
import type { IndexSpec, UniqueViolation } from '../backends/kit/indexes.js';
import { applyOperations } from '../concurrency/apply-operations.js';
import type { NormalizedCondition, Scalar } from '../concurrency/condition.js';
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
 * is `null` when no live document holds the values any more. Two writes of the batch
 * giving the same values, when no live document holds them, name the later one.
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
  const keyed: { write: Write; key: Scalar[] }[] = [];
  for (const write of candidates) {
    const key = keyOf(index, await madeBy(backend, write).catch(() => undefined));
    if (key !== undefined) keyed.push({ write, key });
  }
  const held = await holderOf(backend, collection, index, keyed);
  if (held) return new UniqueConstraintError({ collection, fields, ...held });
  const seen = new Set<string>();
  for (const { write, key } of keyed) {
    const text = JSON.stringify(key);
    if (seen.has(text))
      return new UniqueConstraintError({ collection, fields, id: write.id, holder: null });
    seen.add(text);
  }
  const id = candidates.length === 1 ? (candidates[0] as Write).id : null;
  return new UniqueConstraintError({ collection, fields, id, holder: null });
}

// How many values one lookup of holders names: a batch of thousands of writes (a bulk
// insert) is looked up in a few queries, not one per write.
const LOOKUP = 500;

// The first write (in batch order) whose values a live document other than itself holds,
// with that document's id. A one-field index is looked up by `$in` over many writes at
// once; a compound one write by write.
async function holderOf(
  backend: Backend,
  collection: string,
  index: IndexSpec,
  keyed: readonly { write: Write; key: Scalar[] }[],
): Promise<{ id: string; holder: string } | undefined> {
  const field = index.fields.length === 1 ? index.fields[0] : undefined;
  const step = field ? LOOKUP : 1;
  for (let from = 0; from < keyed.length; from += step) {
    const some = keyed.slice(from, from + step);
    const tenant = (some[0] as { write: Write }).write.tenant;
    const filter: NormalizedCondition = field
      ? { op: 'in', path: [...field.path], values: some.map((k) => k.key[0] ?? null) }
      : {
          op: 'and',
          items: index.fields.map((f, i) => ({
            op: 'eq' as const,
            path: [...f.path],
            value: some[0]?.key[i] ?? null,
          })),
        };
    const found: (FoundDocument | PastBudget)[] = await backend
      .find(tenant, collection, { filter, sort: [], after: undefined, limit: some.length + 1 })
      .catch(() => []);
    const holders = found.filter(isFound).map((d) => ({
      id: d.id,
      key: JSON.stringify(keyOf(index, JSON.parse(d.body))),
    }));
    for (const { write, key } of some) {
      const text = JSON.stringify(key);
      const holder = holders.find((h) => h.id !== write.id && h.key === text);
      if (holder) return { id: write.id, holder: holder.id };
    }
  }
  return undefined;
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
