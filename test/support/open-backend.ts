import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import type { Backend } from '../../src/index.js';

/** A serialisable description of a database, so worker threads and processes can connect too. */
export type BackendConfig = { kind: 'sqlite'; filename: string };

/** Opens a new connection to the database `config` names. */
export function openBackend(config: BackendConfig): Backend {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteBackend({ filename: config.filename });
  }
}
