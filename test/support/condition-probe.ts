import type { NormalizedCondition } from '../../src/concurrency/condition.js';
import { type BackendConfig, backendOf } from './backends.js';

/**
 * Evaluates a condition in the database on every live document of one collection, with
 * the backend's own compiler: the very SQL expression its write statements put in their
 * check, over the same stored column, run in a SELECT instead of a write. Returns each
 * document's verdict by id: true and false as JavaScript booleans, anything else (NULL
 * above all) exactly as the database answered. Each backend has its own (its entry's
 * `probeCondition`, in test/support/backends/).
 */
export interface ConditionProbe {
  evaluate(condition: NormalizedCondition): Promise<Map<string, unknown>>;
  close(): Promise<void>;
}

/** Opens a probe on the database `config` names, over `tenant`'s `collection`. */
export function openConditionProbe(
  config: BackendConfig,
  tenant: string,
  collection: string,
): ConditionProbe {
  return backendOf(config).probeCondition(config, tenant, collection);
}
