import { describeWithStores } from '../../src/backends/kit/conformance/index.js';
import type { DocumentStore } from '../../src/index.js';
import { type BackendEntry, backends } from '../support/backends.js';
import { collections } from '../support/model.js';
import type { BackendConfig } from '../support/open-backend.js';

/** What each conformance test gets: a store on a fresh database, and ways to open more. */
export interface Fixture {
  readonly backend: BackendEntry;
  readonly config: BackendConfig;
  readonly store: DocumentStore;
  readonly c: ReturnType<typeof collections>;
  /** Another store on its own connection to the same database (closed after the test). */
  openStore(options?: { tenant?: string; actor?: string }): DocumentStore;
}

/**
 * Runs `body` once per backend of the registry (test/support/backends.ts), each test on a
 * fresh, empty database, through the kit's fixture. `fixture()` returns the current test's.
 */
export function describeConformance(title: string, body: (fixture: () => Fixture) => void): void {
  for (const backend of backends) {
    const create = async () => {
      const { config, cleanup } = await backend.create();
      return { config, open: () => backend.open(config), cleanup };
    };
    describeWithStores(
      `${title} on ${backend.name}`,
      create,
      (fixture) =>
        body(() => {
          const { database, store, openStore } = fixture();
          return { backend, config: database.config, store, c: collections(store), openStore };
        }),
      collections,
    );
  }
}
