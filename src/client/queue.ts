/**
 * An edit made while the server could not be reached. It keeps the version the edit
 * started from (`base`), so replaying it sends that version's ETag as `If-Match` and
 * cannot overwrite a change made by someone else meanwhile.
 */
export interface QueuedEdit {
  /** `collection/id`: one queued edit per document; a later edit replaces `mine` only. */
  readonly key: string;
  readonly collection: string;
  readonly id: string;
  /**
   * The version the first queued edit started from: its ETag and document. `null`: the
   * edit creates the document. Absent: the edit named no version (sent unconditionally).
   */
  readonly base?: { readonly etag: string; readonly document: unknown } | null;
  /** The document to save, or `null` to delete it. */
  readonly mine: unknown;
  /** When the first edit of this document was queued (ms since the epoch): replay order. */
  readonly queuedAt: number;
}

/**
 * Where offline edits wait: in memory (`memoryQueue()`, for Node and tests) or in
 * IndexedDB (`indexedDbQueue()`, in browsers, surviving a reload). Any store with these
 * four methods works.
 */
export interface EditQueue {
  /** Stores `edit`, replacing the one with the same `key`. */
  put(edit: QueuedEdit): Promise<void>;
  get(key: string): Promise<QueuedEdit | undefined>;
  /** Every edit, oldest `queuedAt` first. */
  list(): Promise<QueuedEdit[]>;
  remove(key: string): Promise<void>;
}

/** The edits in order of replay. */
export const inReplayOrder = (edits: QueuedEdit[]): QueuedEdit[] =>
  edits.sort((a, b) => a.queuedAt - b.queuedAt || (a.key < b.key ? -1 : 1));

/** An edit queue in memory: gone with the process or page. */
export function memoryQueue(): EditQueue {
  const edits = new Map<string, QueuedEdit>();
  return {
    put: async (edit) => {
      edits.set(edit.key, structuredClone(edit));
    },
    get: async (key) => structuredClone(edits.get(key)),
    list: async () => inReplayOrder(structuredClone([...edits.values()])),
    remove: async (key) => {
      edits.delete(key);
    },
  };
}
