import type { NormalizedCheck } from '../concurrency/check.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Collection } from './collection.js';
import { type PlannedWrite, planCheckedPut, type WriteScope } from './writes.js';

/**
 * The inserts of one `insertMany()` call, planned as `insert()` plans each: an id made for
 * an entity without one, the collection's schema run (the first document it refuses, in
 * input order, throws its `ValidationError`), the JSON text bounded by `maxDocumentBytes`.
 * Nothing is sent. An id given twice is refused (`InvalidArgumentError`): the second insert
 * of one call could only fail.
 */
export async function planInserts(
  scope: WriteScope,
  collection: Collection<object>,
  entities: readonly unknown[],
  check: NormalizedCheck,
): Promise<PlannedWrite[]> {
  if (!Array.isArray(entities)) {
    throw new InvalidArgumentError('insertMany() takes an array of documents');
  }
  const planned: PlannedWrite[] = [];
  const ids = new Set<string>();
  for (const entity of entities) {
    const put = planCheckedPut(scope, collection, entity, check, true);
    const { planned: write } = put instanceof Promise ? await put : put;
    const id = write.write.id;
    if (ids.has(id)) {
      throw new InvalidArgumentError(
        `insertMany() was given ${collection.name}/${id} twice: nothing was written`,
      );
    }
    ids.add(id);
    planned.push(write);
  }
  return planned;
}
