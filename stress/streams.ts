import { DocumentStore } from '../src/index.js';
import { type BackendConfig, openBackend } from '../test/support/open-backend.js';
import type { AppendRecord } from './context.js';

/** A broken promise about the streams. */
export interface StreamViolation {
  readonly kind: 'gap' | 'duplicate-event' | 'lost-append' | 'append-twice' | 'stray-event';
  readonly key: string;
  readonly message: string;
}

/**
 * Checks every stream against the appends the workers recorded: versions 1..n, no event
 * id twice, every accepted append's tag exactly once (and a `handle()` one at the version
 * it reported), an unknown one's at most once, a refused one's never, and no event whose
 * tag no append carried.
 */
export async function checkStreams(
  config: BackendConfig,
  streams: number,
  appends: readonly AppendRecord[],
): Promise<StreamViolation[]> {
  const store = new DocumentStore({ backend: openBackend(config) });
  const violations: StreamViolation[] = [];
  const seen = new Map<string, { stream: string; version: number; id: string }[]>();
  try {
    for (let s = 0; s < streams; s++) {
      const stream = `stream-${s}`;
      const events = await store.events.readStream(stream);
      if (events.some((e, i) => e.version !== i + 1)) {
        violations.push({
          kind: 'gap',
          key: stream,
          message: `versions are not 1..${events.length}`,
        });
      }
      if (new Set(events.map((e) => e.id)).size !== events.length) {
        violations.push({ kind: 'duplicate-event', key: stream, message: 'an event id twice' });
      }
      for (const e of events) {
        const tag = String((e.data as { tag?: unknown }).tag);
        seen.set(tag, [...(seen.get(tag) ?? []), { stream, version: e.version, id: e.id }]);
      }
    }
  } finally {
    await store.close();
  }
  const recorded = new Set(appends.map((a) => a.tag));
  for (const a of appends) violations.push(...checkAppend(a, seen.get(a.tag) ?? []));
  for (const [tag, found] of seen) {
    if (!recorded.has(tag)) {
      const where = found[0]?.stream ?? '';
      violations.push({ kind: 'stray-event', key: where, message: `no append carried ${tag}` });
    }
  }
  return violations;
}

function checkAppend(
  a: AppendRecord,
  found: readonly { stream: string; version: number; id: string }[],
): StreamViolation[] {
  const at = (n: number) => `${a.tag} (${a.status}) is in the streams ${n} times`;
  if (found.length > 1) return [{ kind: 'append-twice', key: a.stream, message: at(found.length) }];
  if (a.status === 'ok' && found.length === 0) {
    return [{ kind: 'lost-append', key: a.stream, message: at(0) }];
  }
  if (a.status === 'fail' && found.length > 0) {
    return [{ kind: 'stray-event', key: a.stream, message: `${at(1)}, though refused` }];
  }
  const event = found[0];
  if (!event || a.status !== 'ok') return [];
  const misplaced =
    event.stream !== a.stream ||
    (a.version !== undefined && (event.version !== a.version || event.id !== a.id));
  return misplaced
    ? [{ kind: 'lost-append', key: a.stream, message: `${a.tag} is not where it was accepted` }]
    : [];
}
