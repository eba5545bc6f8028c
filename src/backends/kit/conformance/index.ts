/**
 * noclobber/backend/conformance: the suite every backend passes, as one function a
 * backend's own repository runs with vitest (a peer it installs for its tests).
 *
 * @example
 * // my-backend.test.ts
 * import { describeBackendConformance } from 'noclobber/backend/conformance';
 * describeBackendConformance('mydb', async () => {
 *   const name = await createEmptyDatabase();
 *   return { open: () => new MyBackend({ name }), cleanup: () => dropDatabase(name) };
 * });
 */
import { contractSuite } from './contract.js';
import { declarationsSuite } from './declarations.js';
import { describeWithStores, type TestDatabase } from './fixture.js';
import { historySuite } from './history.js';
import { insertManySuite } from './insert-many.js';
import { type ConformanceOptions, querySuite } from './queries.js';
import { storeSuite } from './store.js';

export { bulkSuite } from './bulk.js';
export { contractSuite } from './contract.js';
export { declarationsSuite } from './declarations.js';
export { describeWithStores, type StoreFixture, type TestDatabase } from './fixture.js';
export { historySuite } from './history.js';
export { insertManySuite } from './insert-many.js';
export { type ConformanceOptions, querySuite } from './queries.js';
export { storeSuite } from './store.js';

/**
 * Declares the conformance suite for the backend `name`: the Backend contract called
 * directly (every check kind, stored state and op as `judgeCheck` says, batches, the write
 * log, appends), the store on top of it, many inserts in one call (`insertMany`, which a
 * backend may serve with its own bulk statement), queries (filters by type, sorts, cursor pages,
 * declared indexes, unique fields, conditional bulk writes and their races), revision
 * history (kept, read, pruned, stale writes merged), and what a collection's schema and
 * unique fields guard on every write path. `create` makes a fresh, empty
 * database per test; `options` says what the backend cannot show (see `ConformanceOptions`).
 */
export function describeBackendConformance(
  name: string,
  create: () => Promise<TestDatabase>,
  options: ConformanceOptions = {},
): void {
  describeWithStores(`${name}: the Backend contract`, create, contractSuite);
  describeWithStores(`${name}: the store on the backend`, create, storeSuite);
  describeWithStores(`${name}: many inserts in one call`, create, insertManySuite);
  describeWithStores(`${name}: queries`, create, (fixture) => querySuite(fixture, options));
  describeWithStores(`${name}: revision history`, create, historySuite);
  describeWithStores(`${name}: what declarations guard`, create, declarationsSuite);
}
