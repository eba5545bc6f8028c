import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { InvalidCursorError } from '../core/errors.js';

/**
 * Feed positions as HTTP shows them. A store's `seq` counts the writes of every tenant,
 * so a tenant reading its own feed would see in its gaps how much the others write; over
 * HTTP each position is sealed instead: the seq and the tenant, encrypted as one AES
 * block. A cursor reveals nothing (not even the order of two positions), is only accepted
 * back from the tenant it was given to, and cannot be made up.
 */
export interface FeedCursors {
  /** The cursor of position `seq` in `tenant`'s feed. */
  seal(tenant: string, seq: number): string;
  /**
   * The position of a cursor from `tenant`; `''` is the beginning. Throws
   * `InvalidArgumentError` (400) for anything that is not one of its cursors.
   */
  open(tenant: string, cursor: string): number;
}

const CURSOR = /^[A-Za-z0-9_-]{22}$/;

/**
 * Cursors sealed with a key derived from `secret`; a random key when none is given
 * (cursors then stop working when the process ends: a client starts its feed over).
 */
export function feedCursors(secret?: string | Uint8Array): FeedCursors {
  const key =
    secret === undefined
      ? randomBytes(32)
      : createHash('sha256').update('noclobber feed cursor\0').update(secret).digest();
  const tag = (tenant: string) => createHash('sha256').update(tenant).digest().subarray(0, 8);
  return {
    seal(tenant, seq) {
      const block = Buffer.alloc(16);
      block.writeBigUInt64BE(BigInt(seq), 0);
      tag(tenant).copy(block, 8);
      // One block, no padding: every plaintext is distinct, so ECB gives nothing away.
      const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
      return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
    },
    open(tenant, cursor) {
      if (cursor === '') return 0;
      if (!CURSOR.test(cursor)) throw invalid();
      const decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
      const block = Buffer.concat([
        decipher.update(Buffer.from(cursor, 'base64url')),
        decipher.final(),
      ]);
      if (!block.subarray(8).equals(tag(tenant))) throw invalid();
      const seq = block.readBigUInt64BE(0);
      if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid();
      return Number(seq);
    },
  };
}

const invalid = () =>
  new InvalidCursorError(
    'Not a cursor of this feed: pass back a `last` or event id this server gave, or none to start over',
  );
