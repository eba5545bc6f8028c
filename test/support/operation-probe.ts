import type { NormalizedOperation } from '../../src/concurrency/operations.js';
import { type BackendConfig, backendOf } from './backends.js';

/**
 * Runs compiled operations in the database over a scratch table of documents, with the
 * backend's own compiler: the very SQL expression its write statement sets the body to,
 * over a column of the same type, in a SELECT instead of a write. Returns each document's
 * result by id: the new body as JSON text, or `null` where the expression says the
 * operations do not fit. Each backend provides its own (its entry's `probeOperations`, in
 * test/support/backends/).
 */
export interface OperationProbe {
  load(documents: ReadonlyMap<string, unknown>): Promise<void>;
  apply(operations: readonly NormalizedOperation[]): Promise<Map<string, string | null>>;
  close(): Promise<void>;
}

/** Opens a probe on the database `config` names (a scratch table of its own). */
export function openOperationProbe(config: BackendConfig): OperationProbe {
  return backendOf(config).probeOperations(config);
}
