import type { DocumentMetadata } from '../../core/metadata.js';
import type { Change } from '../../store/document-store.js';
import type { Context } from '../context.js';

/** A change's metadata as HTTP shows it: without the store-wide `seq`. */
export type PublicMetadata = Omit<DocumentMetadata, 'seq'>;

/** A change as HTTP shows it: its position as a sealed cursor, no store-wide `seq`. */
export interface PublicChange {
  readonly collection: string;
  readonly id: string;
  readonly deleted: boolean;
  readonly document: Record<string, unknown> | null;
  readonly metadata: PublicMetadata;
  /** Where a feed read resumes to come after this change (`?since=`, `Last-Event-ID`). */
  readonly cursor: string;
}

/** The cursor of position `seq` in the request's tenant's feed. */
export const cursorOf = (ctx: Context, seq: number): string =>
  ctx.settings.cursors.seal(ctx.store.tenant, seq);

/** The position a cursor the request sent stands for; absent, `''` or `'0'` is the beginning. */
export const positionOf = (ctx: Context, cursor: string | null): number =>
  cursor === null || cursor === '0'
    ? 0
    : ctx.settings.cursors.open(ctx.store.tenant, cursor.trim());

/** `change` as the feed shows it over HTTP. */
export function publicChange(ctx: Context, change: Change): PublicChange {
  const { seq, ...metadata } = change.metadata;
  return {
    collection: change.collection,
    id: change.id,
    deleted: change.deleted,
    document: change.document,
    metadata,
    cursor: cursorOf(ctx, seq),
  };
}
