import { randomFillSync } from 'node:crypto';

// Random bytes for tokens, drawn from the system's generator a pool at a time: a call to it
// per token cost as much as the rest of planning a write. Each token takes its own bytes.
const POOL_TOKENS = 256;
const pool = Buffer.alloc(16 * POOL_TOKENS);
let pooled = POOL_TOKENS;

/**
 * A new write token: a UUID version 7 (RFC 9562), whose first 48 bits are the time in ms.
 * Tokens of one moment sort together, so the write log's key grows at its right edge
 * (inserts touch the same few pages) and old records are one key range (pruned by a
 * range scan); the 74 random bits keep tokens unguessable.
 */
export function newToken(now = Date.now()): string {
  if (pooled === POOL_TOKENS) {
    randomFillSync(pool);
    pooled = 0;
  }
  const bytes = pool.subarray(16 * pooled, 16 * ++pooled);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The least token that `newToken` can make at `time` or later: every token made before
 * `time` sorts below it, as text.
 */
export function tokenFloor(time: number): string {
  const hex = Math.max(0, Math.min(time, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}
