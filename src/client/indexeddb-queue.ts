import { type EditQueue, inReplayOrder, type QueuedEdit } from './queue.js';

// The few parts of IndexedDB the queue uses, typed here so the client compiles without
// the DOM library (it runs in Node too, where IndexedDB is absent).
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbStore {
  put(value: unknown): IdbRequest<unknown>;
  get(key: string): IdbRequest<unknown>;
  getAll(): IdbRequest<unknown[]>;
  delete(key: string): IdbRequest<unknown>;
}
interface IdbDatabase {
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(
    store: string,
    mode: 'readonly' | 'readwrite',
  ): { objectStore(name: string): IdbStore };
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

const STORE = 'edits';

const settled = <T>(request: IdbRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Whether this runtime has IndexedDB (browsers and workers do; Node does not). */
export function hasIndexedDb(): boolean {
  return typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object';
}

/**
 * An edit queue in the browser's IndexedDB database `name`: queued edits survive a reload
 * and a closed tab, and every tab of the origin shares them.
 */
export function indexedDbQueue(name = 'noclobber-edits'): EditQueue {
  const factory = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
  if (!factory) throw new TypeError('indexedDbQueue(): this runtime has no IndexedDB');
  let opened: Promise<IdbDatabase> | undefined;
  const store = async (mode: 'readonly' | 'readwrite') => {
    opened ??= (() => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      return settled(request);
    })();
    return (await opened).transaction(STORE, mode).objectStore(STORE);
  };
  return {
    put: async (edit) => {
      await settled((await store('readwrite')).put(edit));
    },
    get: async (key) => (await settled((await store('readonly')).get(key))) as QueuedEdit,
    list: async () =>
      inReplayOrder((await settled((await store('readonly')).getAll())) as QueuedEdit[]),
    remove: async (key) => {
      await settled((await store('readwrite')).delete(key));
    },
  };
}
