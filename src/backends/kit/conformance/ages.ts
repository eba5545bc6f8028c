import type { DocumentStore } from '../../../index.js';

/** Ages of every JSON kind, with look-alikes across types (`'40'` is no `40`), by id. */
export const AGES: readonly [string, unknown][] = [
  ['p9', 9],
  ['p40', 40],
  ['p100', 100],
  ['p250', 250],
  ['s40', '40'],
  ['s100', '100'],
  ['t', true],
  ['f', false],
  ['n', null],
  ['m', undefined],
];

/** Stores `AGES` in the collection `people`, in one session; returns the collection. */
export async function seedAges(store: DocumentStore) {
  const people = store.collection('people');
  const session = store.openSession();
  for (const [id, age] of AGES) session.store(people, age === undefined ? { id } : { id, age });
  await session.saveChanges();
  return people;
}
