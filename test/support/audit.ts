import { type BackendConfig, backendOf } from './backends.js';

/** One committed version of a document row, as the audit trigger copied it. */
export interface AuditRow {
  /** `lastModifiedBy`: the writer, when every writer names itself. */
  readonly actor: string | null;
  /** The body's `mark` field; `null` for a delete. */
  readonly mark: string | null;
  readonly token: string;
  readonly revision: number;
  readonly seq: number;
  readonly deleted: boolean;
}

/** One stored event, as far as the audit cares: its data's `mark` and its version. */
export interface AuditEvent {
  readonly mark: string | null;
  readonly version: number;
}

/**
 * What committed, and nothing else: a trigger copies every row version written to the
 * documents table into an audit table in the same transaction, so a rolled-back statement
 * leaves no audit row. Events are never updated, so their table is their own audit. Each
 * backend installs its own (its entry's `audit`, in test/support/backends/).
 */
export interface Audit {
  /** Every committed version of a document of the default tenant, in `seq` (commit) order. */
  rows(collection: string, id: string): Promise<AuditRow[]>;
  /** The events of a stream of the default tenant, in version order. */
  events(streamId: string): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

/** Installs the audit on a migrated database and opens a connection to read it. */
export async function installAudit(config: BackendConfig): Promise<Audit> {
  return backendOf(config).audit(config);
}
