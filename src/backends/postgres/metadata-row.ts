import type { DocumentMetadata } from '../../core/metadata.js';

/** A document's metadata columns as node-postgres returns them (bigints as strings). */
export interface MetadataRow {
  revision: string;
  token: string;
  seq: string;
  last_modified: string;
  last_modified_by: string | null;
}

/** The metadata of a row read from the documents table. */
export function toMetadata(row: MetadataRow): DocumentMetadata {
  return {
    revision: Number(row.revision),
    token: row.token,
    seq: Number(row.seq),
    lastModified: Number(row.last_modified),
    lastModifiedBy: row.last_modified_by,
  };
}
