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
import { describeWithStores, type TestDatabase } from './fixture.js';
import { storeSuite } from './store.js';

export { describeWithStores, type StoreFixture, type TestDatabase } from './fixture.js';

/**
 * Declares the conformance suite for the backend `name`: the Backend contract called
 * directly (every check kind, stored state and op as `judgeCheck` says, batches, the write
 * log, appends) and the store on top of it. `create` makes a fresh, empty database per test.
 */
export function describeBackendConformance(
  name: string,
  create: () => Promise<TestDatabase>,
): void {
  describeWithStores(`${name}: the Backend contract`, create, contractSuite);
  describeWithStores(`${name}: the store on the backend`, create, storeSuite);
}
