import { afterEach, beforeEach, describe } from 'vitest';
import { DocumentStore } from '../../src/index.js';
import { collections } from '../support/model.js';
import { type BackendConfig, openBackend } from '../support/open-backend.js';
import { type BackendUnderTest, backendsUnderTest } from './backends.js';

/** What each conformance test gets: a store on a fresh database, and ways to open more. */
export interface Fixture {
  readonly backend: BackendUnderTest;
  readonly config: BackendConfig;
  readonly store: DocumentStore;
  readonly c: ReturnType<typeof collections>;
  /** Another store on its own connection to the same database (closed after the test). */
  openStore(options?: { tenant?: string; actor?: string }): DocumentStore;
}

/**
 * Runs `body` once per backend under test, each test on a fresh, empty database.
 * `fixture()` returns the current test's fixture.
 */
export function describeConformance(title: string, body: (fixture: () => Fixture) => void): void {
  describe.each(backendsUnderTest)(`${title} on $name`, (backend) => {
    let current: Fixture | undefined;
    let cleanups: (() => Promise<void>)[] = [];

    beforeEach(async () => {
      const { config, cleanup } = await backend.create();
      const opened: DocumentStore[] = [];
      const openStore = (options: { tenant?: string; actor?: string } = {}) => {
        const store = new DocumentStore({ backend: openBackend(config), ...options });
        collections(store);
        opened.push(store);
        return store;
      };
      const store = openStore();
      cleanups = [
        async () => {
          await Promise.all(opened.map((s) => s.close()));
        },
        cleanup,
      ];
      current = { backend, config, store, c: collections(store), openStore };
    });

    afterEach(async () => {
      for (const cleanup of cleanups) await cleanup();
      current = undefined;
    });

    body(() => {
      if (!current) throw new Error('fixture() is only available inside a test');
      return current;
    });
  });
}
