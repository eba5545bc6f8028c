import { afterAll, beforeAll } from 'vitest';
import { type Backend, DocumentStore } from '../../src/index.js';
import { type Audit, installAudit } from './audit.js';
import { type BackendConfig, type BackendEntry, backendOf } from './backends.js';
import type { Meanwhile } from './lost-reply.js';

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
 * A rig on a fresh database of `backend` for the tests of the enclosing `describe`: opened
 * before them, closed and removed after. Returns the rig, for use inside the tests.
 */
export function useRig(
  backend: BackendEntry,
  prepare: (store: DocumentStore) => void,
): () => LostReplyRig {
  let rig: LostReplyRig | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await backend.create();
    cleanup = created.cleanup;
    rig = await openRig(created.config, prepare);
  });
  afterAll(async () => {
    await rig?.close();
    await cleanup?.();
  });
  return () => {
    if (!rig) throw new Error('the rig is opened before the tests');
    return rig;
  };
}

/**
 * Opens the rig on a fresh, empty database. `prepare` declares collections and
 * projections on every store the rig makes.
 */
export async function openRig(
  config: BackendConfig,
  prepare: (store: DocumentStore) => void,
): Promise<LostReplyRig> {
  const wiring = await backendOf(config).lostReply(config);
  const storeOn = async (backend: Backend, actor: string) => {
    const store = new DocumentStore({ backend, actor });
    prepare(store);
    // Migrated and indexed now, so nothing but the write under test is in flight once armed.
    await store.ready();
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

/** How the rig reaches one database, as each backend's entry provides it (`lostReply`). */
export interface LostReplyWiring {
  readonly lossy: Backend;
  readonly reliable: Backend;
  /** Loses the reply of the next write holding `marker`; returns how to stop waiting. */
  arm(marker: string, meanwhile: Meanwhile): () => void;
  close(): Promise<void>;
}
