import { PostgresBackend } from '../../../../src/backends/postgres/index.js';
import { CutProxy } from '../../cut-proxy.js';
import { HeldReply } from '../../lost-reply.js';
import type { LostReplyWiring } from '../../lost-reply-rig.js';

/**
 * The lost-reply rig's wiring on a PostgreSQL schema: the lossy backend reaches the
 * server through a proxy that cuts the connection once the marked statement committed,
 * dropping its reply.
 */
export async function postgresWiring(config: {
  url: string;
  schema: string;
}): Promise<LostReplyWiring> {
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
