import type { Json } from '../concurrency/merge.js';
import { applyMergePatch, type MergePatch } from '../concurrency/patch/merge-patch.js';
import { ConflictError, NetworkError } from './errors.js';
import { type ConflictResolver, jsonEqual } from './merge.js';
import type { EditQueue, QueuedEdit } from './queue.js';
import { failureOf, send, type Transport, urlOf } from './transport.js';
import type { ClientDocument, Deleted, Queued, Saved, Versioned } from './types.js';
import { type ChangeEvent, type WatchOptions, watchChanges } from './watch.js';

/** Options of a collection handle. */
export interface CollectionOptions<T> {
  /**
   * Settles this collection's conflicts (412), in writes and in replayed offline edits,
   * e.g. `mergeResolver({ identity: { lines: 'sku' } })`. Without one (or when it returns
   * `undefined`) a conflict surfaces as `ConflictError` for the app's own UI to decide.
   */
  resolve?: ConflictResolver<T>;
  /**
   * Ask the server to merge a stale `put()` itself (`Prefer: merge`), default `true`: when
   * the document changed since `base` and the server keeps its history, the two changes
   * are joined there and the write saves without a conflict unless both changed the same
   * field. Conflicts and servers that cannot merge still answer as before (`resolve`).
   */
  serverMerge?: boolean;
}

/** Options of one write. */
export interface WriteOptions<T> {
  /**
   * The version the edit started from: its ETag goes out as `If-Match`. `null`: create
   * only (`If-None-Match: *`). Absent: the version this handle last read or wrote for that
   * id, else none (the server then creates, or answers 428 for an existing document).
   */
  base?: Versioned<T> | null;
  /** Overrides the collection's `resolve` for this write. */
  resolve?: ConflictResolver<T>;
  signal?: AbortSignal;
}

/** What the collection needs of its client. */
export interface CollectionHost {
  readonly transport: Transport;
  readonly queue: EditQueue | undefined;
}

// One edit of one document: `mine` null deletes; `patch` is sent instead of `mine` when set.
interface Edit<T> {
  readonly id: string;
  readonly base: Versioned<T> | null | undefined;
  readonly mine: T | null;
  readonly patch?: MergePatch;
}

// Conflicts resolved in a row before the write gives up and surfaces the last one.
const MAX_RESOLUTIONS = 5;

/**
 * A collection on the server. Reads keep the ETag with the document; writes send it as
 * `If-Match`, so they land only on the version they started from. Get one with
 * `client.collection(name)`.
 */
export class RemoteCollection<T extends ClientDocument> {
  private readonly seen = new Map<string, Versioned<T>>();

  /** @internal Made by `client.collection()`. */
  constructor(
    private readonly host: CollectionHost,
    /** The collection's name on the server. */
    readonly name: string,
    private readonly options: CollectionOptions<T> = {},
  ) {}

  /** The document with its ETag, or `null` when there is none. */
  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<Versioned<T> | null> {
    const found = await this.read(id, options.signal);
    if (found) this.seen.set(id, found);
    else this.seen.delete(id);
    return found;
  }

  // The stored version, not remembered: theirs of a conflict is not what this edit saw.
  private async read(id: string, signal?: AbortSignal): Promise<Versioned<T> | null> {
    const response = await send(this.host.transport, this.url(id), { signal });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw await failureOf(response);
    return this.versionOf(id, response);
  }

  /**
   * Saves `document` (replacing the stored one) if the stored version is still `base`.
   * 412: resolved by `resolve`, else `ConflictError`. Unreachable server with a queue:
   * queued (`status: 'queued'`) and replayed by `client.sync()`.
   */
  put(document: T, options: WriteOptions<T> = {}): Promise<Saved<T> | Queued> {
    const edit = { id: document.id, base: this.baseOf(document.id, options), mine: document };
    return this.write(edit, options) as Promise<Saved<T> | Queued>;
  }

  /**
   * Applies a JSON Merge Patch (RFC 7396) to `base` and saves the result, sent as a
   * `PATCH` with `If-Match`; conflicts and offline as for `put()`.
   */
  patch(
    base: Versioned<T>,
    changes: MergePatch,
    options: Omit<WriteOptions<T>, 'base'> = {},
  ): Promise<Saved<T> | Queued> {
    const mine = applyMergePatch(base.document as unknown as Json, changes) as unknown as T;
    return this.write({ id: base.id, base, mine, patch: changes }, options) as Promise<
      Saved<T> | Queued
    >;
  }

  /** Deletes the document if it is still `base` (or the version last seen); as `put()`. */
  delete(id: string, options: WriteOptions<T> = {}): Promise<Deleted | Queued> {
    return this.write({ id, base: this.baseOf(id, options), mine: null }, options) as Promise<
      Deleted | Queued
    >;
  }

  /**
   * The collection's changes as they commit, over Server-Sent Events, resuming after the
   * last one received whenever the connection drops: none skipped, none repeated.
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<ChangeEvent<T>> {
    return watchChanges<T>(
      this.host.transport,
      urlOf(this.host.transport, [this.name, '_changes']),
      options,
    );
  }

  /** Sends one queued edit with its old base; a conflict surfaces, nothing is queued again. */
  async replay(edit: QueuedEdit): Promise<Saved<T> | Deleted> {
    const base = edit.base && {
      id: edit.id,
      etag: edit.base.etag,
      document: edit.base.document as T,
    };
    const outcome = await this.write({ id: edit.id, base, mine: edit.mine as T | null }, {}, false);
    return outcome as Saved<T> | Deleted;
  }

  private async write(
    first: Edit<T>,
    options: WriteOptions<T>,
    queueing = true,
  ): Promise<Saved<T> | Deleted | Queued> {
    const resolve = options.resolve ?? this.options.resolve;
    let edit = first;
    for (let round = 0; ; round++) {
      let outcome: Saved<T> | Deleted | ConflictError<T>;
      try {
        outcome = await this.attempt(edit, options.signal);
      } catch (error) {
        const queue = this.host.queue;
        if (!(error instanceof NetworkError) || !queue || !queueing) throw error;
        return this.enqueue(queue, edit);
      }
      if (!(outcome instanceof ConflictError)) {
        // This write supersedes an edit of the document still waiting in the queue.
        if (queueing) await this.host.queue?.remove(this.key(edit.id));
        return outcome;
      }
      const resolved = round < MAX_RESOLUTIONS && resolve ? await resolve(outcome) : undefined;
      if (resolved === undefined) throw outcome;
      edit = { id: edit.id, base: outcome.theirs, mine: resolved };
    }
  }

  private async attempt(edit: Edit<T>, signal?: AbortSignal) {
    const { id, base, mine } = edit;
    const headers: Record<string, string> = {};
    if (base) headers['if-match'] = base.etag;
    else if (base === null) headers['if-none-match'] = '*';
    let init: RequestInit = { method: 'DELETE' };
    if (mine !== null) {
      const patch = edit.patch !== undefined;
      if (base && !patch && this.options.serverMerge !== false) headers.prefer = 'merge';
      headers['content-type'] = patch ? 'application/merge-patch+json' : 'application/json';
      init = { method: patch ? 'PATCH' : 'PUT', body: JSON.stringify(patch ? edit.patch : mine) };
    }
    const response = await send(this.host.transport, this.url(id), { ...init, headers, signal });
    if (response.status === 204 || (mine === null && response.status === 404)) {
      await response.body?.cancel();
      this.seen.delete(id);
      return { status: 'deleted', id } as Deleted;
    }
    if (response.ok) {
      const saved = await this.versionOf(id, response);
      this.seen.set(id, saved);
      return { status: 'saved', ...saved } as Saved<T>;
    }
    // 404 to a conditional PATCH: the document it started from is gone. A merge the
    // server refused (both sides changed a field) is a conflict like any other.
    if (
      response.status === 412 ||
      (response.status === 404 && base) ||
      (response.status === 409 && headers.prefer && (await isMergeConflict(response)))
    ) {
      await response.body?.cancel();
      const theirs = await this.read(id, signal);
      // Our own write, landed before its reply was lost, or the same edit made elsewhere.
      if (theirs && mine !== null && jsonEqual(theirs.document, mine)) {
        return { status: 'saved', ...theirs } as Saved<T>;
      }
      return new ConflictError<T>(this.name, id, base ?? null, mine, theirs);
    }
    throw await failureOf(response);
  }

  private async enqueue(queue: EditQueue, edit: Edit<T>): Promise<Queued> {
    const key = this.key(edit.id);
    const earlier = await queue.get(key);
    const base = edit.base && { etag: edit.base.etag, document: edit.base.document };
    await queue.put(
      earlier
        ? { ...earlier, mine: edit.mine }
        : {
            key,
            collection: this.name,
            id: edit.id,
            ...(edit.base === undefined ? {} : { base }),
            mine: edit.mine,
            queuedAt: Date.now(),
          },
    );
    return { status: 'queued', id: edit.id };
  }

  private baseOf(id: string, options: WriteOptions<T>): Versioned<T> | null | undefined {
    return options.base === undefined ? this.seen.get(id) : options.base;
  }

  private async versionOf(id: string, response: Response): Promise<Versioned<T>> {
    return { id, document: (await response.json()) as T, etag: response.headers.get('etag') ?? '' };
  }

  private key(id: string): string {
    return `${this.name}/${id}`;
  }

  private url(id: string): string {
    return urlOf(this.host.transport, [this.name, id]);
  }
}

async function isMergeConflict(response: Response): Promise<boolean> {
  const problem = await response
    .clone()
    .json()
    .catch(() => null);
  return (problem as { type?: unknown } | null)?.type === 'urn:noclobber:problem:merge-conflict';
}
