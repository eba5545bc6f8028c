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
 * An insert batch cut into consecutive chunks of at most `rows` items and, past its first
 * item, at most `chars` characters of JSON text (`textOf` an item: its write's body): what
 * one statement of a bulk insert sends, so a large call never builds one unbounded message.
 */
export function insertChunks<T>(
  items: readonly T[],
  rows: number,
  chars: number,
  textOf: (item: T) => string | undefined,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const length = textOf(item)?.length ?? 0;
    if (chunk.length > 0 && (chunk.length >= rows || size + length > chars)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
