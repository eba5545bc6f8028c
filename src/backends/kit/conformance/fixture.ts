import { afterEach, beforeEach, describe } from 'vitest';
import { DocumentStore } from '../../../index.js';
import type { Backend } from '../backend.js';

/** One fresh, empty database for one test, made by a backend's factory. */
export interface TestDatabase {
  /** Opens a new connection (or pool) to this database; the suite closes what it opens. */
  open(): Backend;
  /** Removes the database after the test, once everything opened on it is closed. */
  cleanup(): Promise<void>;
}

/** What each test of a suite gets: its database and stores on it. */
export interface StoreFixture<D extends TestDatabase = TestDatabase> {
  readonly database: D;
  /** A store on its own connection (closed after the test). */
  readonly store: DocumentStore;
  /** Another store on its own connection to the same database (closed after the test). */
  openStore(options?: { tenant?: string; actor?: string }): DocumentStore;
  /** A backend on its own connection, migrated (closed after the test). */
  openBackend(): Promise<Backend>;
}

/**
 * Runs `body` as one `describe` block titled `title`, each test on a fresh database from
 * `create`; `prepare` runs on every store opened (to declare collections). `fixture()`
 * returns the current test's fixture.
 */
export function describeWithStores<D extends TestDatabase>(
  title: string,
  create: () => Promise<D>,
  body: (fixture: () => StoreFixture<D>) => void,
  prepare: (store: DocumentStore) => void = () => {},
): void {
  describe(title, () => {
    let current: StoreFixture<D> | undefined;
    let cleanups: (() => Promise<void>)[] = [];

    beforeEach(async () => {
      const database = await create();
      const stores: DocumentStore[] = [];
      const backends: Backend[] = [];
      const openStore = (options: { tenant?: string; actor?: string } = {}) => {
        const store = new DocumentStore({ backend: database.open(), ...options });
        prepare(store);
        stores.push(store);
        return store;
      };
      const openBackend = async () => {
        const backend = database.open();
        backends.push(backend);
        await backend.migrate();
        return backend;
      };
      const store = openStore();
      cleanups = [
        async () => {
          await Promise.all([...stores.map((s) => s.close()), ...backends.map((b) => b.close())]);
        },
        () => database.cleanup(),
      ];
      current = { database, store, openStore, openBackend };
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
