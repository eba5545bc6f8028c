import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { type Backend, DocumentStore } from '../../src/index.js';
import { type Audit, installAudit } from './audit.js';
import { CutProxy } from './cut-proxy.js';
import { HeldReply, LostReply, type Meanwhile } from './lost-reply.js';
import type { BackendConfig } from './open-backend.js';

/** A lost reply that was set up: whether its meanwhile ran, and how it ended. */
export interface Armed {
  /** True once the reply was lost and `meanwhile` ran. */
  readonly fired: boolean;
  /** What `meanwhile` threw, if it did. */
  readonly error: unknown;
  /** Stops waiting for the write, if it never came. */
  disarm(): void;
}

/**
 * One database with two ways in: a writer whose replies can be lost after its write
 * committed, and another writer on its own connection, whose writes always arrive. An
 * audit records everything that committed.
 */
export interface LostReplyRig {
  readonly audit: Audit;
  /** A store on the lossy connection, migrated, writing as `actor`. */
  writer(actor: string): Promise<DocumentStore>;
  /** A store on the reliable connection, migrated, writing as `actor`. */
  other(actor: string): Promise<DocumentStore>;
  /**
   * Loses the reply of the writer's next write, which must contain `marker`; `meanwhile`
   * runs after it committed and before the writer hears of the loss. `transaction`: the
   * write is a transaction of several statements (an append with a projection), so the
   * reply lost is that of its COMMIT.
   */
  arm(marker: string, meanwhile: Meanwhile, options?: { transaction?: boolean }): Armed;
  close(): Promise<void>;
}

/**
 * Opens the rig on a fresh, empty database. `prepare` declares collections and
 * projections on every store the rig makes.
 */
export async function openRig(
  config: BackendConfig,
  prepare: (store: DocumentStore) => void,
): Promise<LostReplyRig> {
  const wiring = config.kind === 'sqlite' ? sqliteWiring(config) : await postgresWiring(config);
  const storeOn = async (backend: Backend, actor: string) => {
    const store = new DocumentStore({ backend, actor });
    prepare(store);
    // Migrated now, so nothing but the write under test is in flight once armed.
    await store.events.readStream('-');
    return store;
  };
  await storeOn(wiring.reliable, 'migration');
  const audit = await installAudit(config);
  return {
    audit,
    writer: (actor) => storeOn(wiring.lossy, actor),
    other: (actor) => storeOn(wiring.reliable, actor),
    arm(marker, meanwhile, options = {}) {
      const state = { fired: false, error: undefined as unknown };
      const disarm = wiring.arm(options.transaction ? 'COMMIT' : marker, async () => {
        state.fired = true;
        await meanwhile().catch((error: unknown) => {
          state.error = error;
        });
      });
      return {
        get fired() {
          return state.fired;
        },
        get error() {
          return state.error;
        },
        disarm,
      };
    },
    async close() {
      await audit.close();
      await wiring.close();
    },
  };
}

interface Wiring {
  readonly lossy: Backend;
  readonly reliable: Backend;
  /** Loses the reply of the next write holding `marker`; returns how to stop waiting. */
  arm(marker: string, meanwhile: Meanwhile): () => void;
  close(): Promise<void>;
}

// SQLite has no connection to cut: the lossy backend throws after its commit instead.
function sqliteWiring(config: { filename: string }): Wiring {
  const lossy = new LostReply({ filename: config.filename });
  const reliable = new SqliteBackend({ filename: config.filename });
  return {
    lossy,
    reliable,
    arm(_marker, meanwhile) {
      lossy.armed = true;
      lossy.meanwhile = meanwhile;
      return () => {
        lossy.armed = false;
        lossy.meanwhile = undefined;
      };
    },
    async close() {
      await lossy.close();
      await reliable.close();
    },
  };
}

// PostgreSQL: the lossy backend reaches the server through a proxy that cuts the
// connection once the marked statement committed, dropping its reply.
async function postgresWiring(config: { url: string; schema: string }): Promise<Wiring> {
  const url = new URL(config.url);
  const proxy = await CutProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const lossy = new HeldReply({ connectionString: proxied.href, schema: config.schema, max: 2 });
  const reliable = new PostgresBackend({ connectionString: url.href, schema: config.schema });
  return {
    lossy,
    reliable,
    arm(marker, meanwhile) {
      void proxy.arm(marker, 'afterCommit');
      lossy.meanwhile = meanwhile;
      return () => {
        // A marker no statement holds: the proxy waits for nothing from now on.
        void proxy.arm('\u0000disarmed', 'afterCommit');
        lossy.meanwhile = undefined;
      };
    },
    async close() {
      await lossy.close();
      await proxy.close();
      await reliable.close();
    },
  };
}
