import { type CollectionOptions, RemoteCollection } from './collection.js';
import { type ClientError, ConflictError, NetworkError } from './errors.js';
import type { EditQueue } from './queue.js';
import type { Transport } from './transport.js';
import type { ClientDocument, Deleted, FetchLike, Saved } from './types.js';

/** Options of `createClient()`. */
export interface ClientOptions {
  /** Where the document resource is mounted: `http://127.0.0.1:3000`, `/api`. */
  baseUrl: string;
  /** The fetch to call. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Headers sent with every request (credentials, a tenant header). */
  headers?: Record<string, string>;
  /**
   * Where edits wait while the server cannot be reached (`indexedDbQueue()`,
   * `memoryQueue()`). Without a queue, such a write rejects with `NetworkError`.
   */
  queue?: EditQueue;
  /**
   * Sync the queue when the runtime says it is back online (the global `online` event of
   * browsers). Default true.
   */
  syncOnline?: boolean;
  /** Told the outcome of every sync, the automatic ones included (conflicts to show). */
  onSync?: (report: SyncReport) => void;
}

/** What one `sync()` did with the queued edits. */
export interface SyncReport {
  /** Edits the server took, in replay order. */
  readonly saved: readonly (Saved<unknown> | Deleted)[];
  /**
   * Edits whose document changed since their base, no resolver settled: taken out of the
   * queue and handed to the app (each carries base, mine and theirs). Nothing was written.
   */
  readonly conflicts: readonly ConflictError<unknown>[];
  /** Edits the server refused for another reason (a 4xx): taken out of the queue. */
  readonly refused: readonly ClientError[];
  /** Edits still queued (the server could not be reached during the sync). */
  readonly pending: number;
}

/** A client of a noclobber HTTP server. */
export interface Client {
  /** A handle on one collection, with its own `resolve` for conflicts. */
  collection<T extends ClientDocument>(
    name: string,
    options?: CollectionOptions<T>,
  ): RemoteCollection<T>;
  /**
   * Replays the queued edits oldest first, each with `If-Match` of the version it started
   * from; stops at the first that gets no answer. One sync runs at a time.
   */
  sync(): Promise<SyncReport>;
  /** How many edits wait in the queue. */
  pending(): Promise<number>;
  /** Stops listening for the runtime's `online` event. */
  close(): void;
}

interface OnlineTarget {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

/**
 * A client of the document resource of `noclobber/http` for browsers and Node (fetch only):
 * reads keep each document's ETag, writes send it as `If-Match`, a 412 becomes a
 * `ConflictError` with base, mine and theirs, offline edits wait in a queue with their
 * base, and `watch()` follows a collection's changes over Server-Sent Events.
 */
export function createClient(options: ClientOptions): Client {
  const transport: Transport = {
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    headers: options.headers ?? {},
    custom: options.fetch !== undefined || Object.keys(options.headers ?? {}).length > 0,
  };
  const queue = options.queue;
  const handles = new Map<string, RemoteCollection<ClientDocument>>();
  const collection = <T extends ClientDocument>(name: string, settings?: CollectionOptions<T>) => {
    const handle = new RemoteCollection<T>({ transport, queue }, name, settings);
    if (settings || !handles.has(name)) handles.set(name, handle as never);
    return handle;
  };
  let running: Promise<SyncReport> | undefined;
  const sync = () => {
    running ??= replayAll().finally(() => {
      running = undefined;
    });
    return running;
  };
  const replayAll = async (): Promise<SyncReport> => {
    const report = { saved: [], conflicts: [], refused: [], pending: 0 } as {
      -readonly [K in keyof SyncReport]: SyncReport[K] extends readonly (infer E)[] ? E[] : number;
    };
    const edits = queue ? await queue.list() : [];
    for (const [index, edit] of edits.entries()) {
      const handle = handles.get(edit.collection) ?? collection(edit.collection);
      try {
        report.saved.push(await handle.replay(edit));
      } catch (error) {
        if (error instanceof NetworkError) {
          report.pending = edits.length - index;
          break;
        }
        if (error instanceof ConflictError) report.conflicts.push(error);
        else if (isClientError(error)) report.refused.push(error);
        else throw error;
      }
      await queue?.remove(edit.key);
    }
    options.onSync?.(report);
    return report;
  };
  const target = globalThis as Partial<OnlineTarget>;
  const online = () => void sync().catch(() => undefined);
  const listening = queue && options.syncOnline !== false && target.addEventListener;
  if (listening) target.addEventListener?.('online', online);
  return {
    collection,
    sync,
    pending: async () => (queue ? (await queue.list()).length : 0),
    close: () => {
      if (listening) target.removeEventListener?.('online', online);
    },
  };
}

const isClientError = (error: unknown): error is ClientError =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
