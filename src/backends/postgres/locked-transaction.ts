import type pg from 'pg';

/**
 * Runs `work` in one transaction on a connection of its own, holding the advisory lock
 * named `lock` until it commits, so processes doing the same work at once do it one after
 * the other. Rolled back when `work` throws. A connection that dies while checked out emits
 * 'error' (unheard, that would crash the process); the next query fails with it, and the
 * connection is dropped instead of returned to the pool.
 */
export async function lockedTransaction(
  pool: pg.Pool,
  lock: string,
  work: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
