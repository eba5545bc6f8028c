import { SqliteBackend } from '../../../../src/backends/sqlite/index.js';
import { LostReply } from '../../lost-reply.js';
import type { LostReplyWiring } from '../../lost-reply-rig.js';

/**
 * The lost-reply rig's wiring on a SQLite file. SQLite has no connection to cut: the
 * lossy backend throws after its commit instead.
 */
export function sqliteWiring(config: { filename: string }): LostReplyWiring {
  const lossy = new LostReply({ filename: config.filename });
  const reliable = new SqliteBackend({ filename: config.filename });
  return {
    lossy,
    reliable,
    arm(marker, meanwhile) {
      lossy.armed = true;
      lossy.meanwhile = meanwhile;
      // 'COMMIT' asks for the next transaction, whatever it holds.
      lossy.marker = marker === 'COMMIT' ? undefined : marker;
      return () => {
        lossy.armed = false;
        lossy.meanwhile = undefined;
        lossy.marker = undefined;
      };
    },
    async close() {
      await lossy.close();
      await reliable.close();
    },
  };
}
