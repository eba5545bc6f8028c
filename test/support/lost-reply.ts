import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { TransientError } from '../../src/index.js';

/** What runs between a write that committed and the moment its writer hears of the loss. */
export type Meanwhile = () => Promise<unknown>;

/**
 * SQLite: a backend whose next write (an append, a bulk write or a bulk insert), once
 * `armed`, commits and then loses its reply, as a connection dying after COMMIT does. `meanwhile` runs before the loss is
 * reported, so another writer can move the document on before the writer recovers: that
 * is what makes sending the write again dangerous.
 */
export class LostReply extends SqliteBackend {
  meanwhile: Meanwhile | undefined;
  armed = false;
  /** Only a commit whose writes hold this text loses its reply (as PostgreSQL's proxy). */
  marker: string | undefined;

  override async commit(...args: Parameters<SqliteBackend['commit']>) {
    const outcomes = await super.commit(...args);
    await this.#loseMarked(args[0]);
    return outcomes;
  }

  override async appendToStream(...args: Parameters<SqliteBackend['appendToStream']>) {
    const outcome = await super.appendToStream(...args);
    await this.#lose();
    return outcome;
  }

  override async writeWhere(...args: Parameters<SqliteBackend['writeWhere']>) {
    const outcome = await super.writeWhere(...args);
    if (outcome.status === 'ok') await this.#loseMarked(args[0]);
    return outcome;
  }

  override async insertMany(...args: Parameters<SqliteBackend['insertMany']>) {
    const outcomes = await super.insertMany(...args);
    if (outcomes.every((o) => o.status === 'ok')) await this.#loseMarked(args[0]);
    return outcomes;
  }

  // Loses the reply of a write that committed, when it holds the marker.
  async #loseMarked(sent: unknown) {
    const marker = this.marker;
    if (marker === undefined || JSON.stringify(sent).includes(marker)) await this.#lose();
  }

  async #lose() {
    if (!this.armed) return;
    this.armed = false;
    const meanwhile = this.meanwhile;
    this.meanwhile = undefined;
    await meanwhile?.();
    throw new TransientError('connection lost after COMMIT', { ambiguous: true });
  }
}

/**
 * PostgreSQL: a backend that reaches the server through a proxy which really loses the
 * reply of a committed write (`CutProxy`'s `afterCommit`). The first write (append, bulk
 * write or bulk insert) that then fails ambiguously runs `meanwhile` before its error
 * reaches the writer, which is the moment SQLite's `LostReply` runs it too.
 */
export class HeldReply extends PostgresBackend {
  meanwhile: Meanwhile | undefined;

  override async commit(...args: Parameters<PostgresBackend['commit']>) {
    return super.commit(...args).catch((error: unknown) => this.#hold(error));
  }

  override async appendToStream(...args: Parameters<PostgresBackend['appendToStream']>) {
    return super.appendToStream(...args).catch((error: unknown) => this.#hold(error));
  }

  override async writeWhere(...args: Parameters<PostgresBackend['writeWhere']>) {
    return super.writeWhere(...args).catch((error: unknown) => this.#hold(error));
  }

  override async insertMany(...args: Parameters<PostgresBackend['insertMany']>) {
    return super.insertMany(...args).catch((error: unknown) => this.#hold(error));
  }

  async #hold(error: unknown): Promise<never> {
    const meanwhile = this.meanwhile;
    if (meanwhile && error instanceof TransientError && error.ambiguous) {
      this.meanwhile = undefined;
      await meanwhile();
    }
    throw error;
  }
}
