import type { DocumentMetadata } from '../core/metadata.js';

/** One entry of the changes feed: the latest state of a document written after `since`. */
export interface Change {
  readonly collection: string;
  readonly id: string;
  readonly deleted: boolean;
  /** The document, or `null` for a delete. */
  readonly document: Record<string, unknown> | null;
  readonly metadata: DocumentMetadata;
}

/** A page of the changes feed; pass `last` as the next `since`. */
export interface ChangesPage {
  readonly changes: Change[];
  /** The `seq` of the last change returned, or the `since` given when there were none. */
  readonly last: number;
}
