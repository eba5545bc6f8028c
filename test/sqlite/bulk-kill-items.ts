import type { DocumentStore } from '../../src/index.js';

/** The documents of bulk-kill.test.ts and its writer processes. */
export interface BulkItem {
  id: string;
  kind: 'inserted' | 'counter';
  code: string;
  n: number;
}

/** Documents one insertMany() call of a writer process inserts. */
export const BATCH = 3000;

/** Counter documents, every one of which each updateWhere() call changes. */
export const COUNTERS = 4000;

/** Declares the collection, with its unique code, as every store on the file does. */
export const declareItems = (store: DocumentStore) =>
  store.collection<BulkItem>('items', { unique: ['code'], indexes: [{ field: 'kind' }] });

/** Where in its call a writer process that is to die in the middle of one kills itself. */
export const DIE_AT = 2500;
