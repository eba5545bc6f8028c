import type { Write } from './backend.js';

/**
 * True when `writes` may take a backend's bulk insert path (`Backend.insertMany`): at least
 * two writes, every one a put checked `mustNotExist` with no merge parents, all of one
 * tenant and one actor, no key twice. Such a batch can only insert (or revive tombstones),
 * so it needs no locking pass or per-write judgement before it writes.
 */
export function isInsertBatch(writes: readonly Write[]): boolean {
  const first = writes[0];
  if (first === undefined || writes.length < 2) return false;
  const keys = new Set<string>();
  for (const write of writes) {
    if (
      write.op !== 'put' ||
      write.check.kind !== 'mustNotExist' ||
      write.parents !== undefined ||
      write.body === undefined ||
      write.tenant !== first.tenant ||
      write.actor !== first.actor
    ) {
      return false;
    }
    const key = `${write.collection}\u0000${write.id}`;
    if (keys.has(key)) return false;
    keys.add(key);
  }
  return true;
}

/**
 * An insert batch cut into consecutive chunks of at most `rows` writes and, past its first
 * write, at most `chars` characters of JSON text: what one statement of a bulk insert
 * sends, so a large call never builds one unbounded message.
 */
export function insertChunks(writes: readonly Write[], rows: number, chars: number): Write[][] {
  const chunks: Write[][] = [];
  let chunk: Write[] = [];
  let size = 0;
  for (const write of writes) {
    const length = write.body?.length ?? 0;
    if (chunk.length > 0 && (chunk.length >= rows || size + length > chars)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(write);
    size += length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
