import type { Backend } from '../../src/index.js';
import { type BackendConfig, backendOf } from './backends.js';

export type { BackendConfig };

/** Opens a new connection (or pool, of at most `max` where that means anything) to `config`. */
export function openBackend(config: BackendConfig, options?: { max?: number }): Backend {
  return backendOf(config).open(config, options);
}
