import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import type { Backend } from '../../src/index.js';

/** A serialisable description of a database, so worker threads and processes can connect too. */
export type BackendConfig =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; url: string; schema: string; max?: number };

/** Opens a new connection (or pool) to the database `config` names. */
export function openBackend(config: BackendConfig): Backend {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteBackend({ filename: config.filename });
    case 'postgres':
      return new PostgresBackend({
        connectionString: config.url,
        schema: config.schema,
        max: config.max ?? 4,
      });
  }
}
