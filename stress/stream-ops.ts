import { ConcurrencyError, type RecordedEvent } from '../src/index.js';
import { type AppendRecord, pick, type WorkerContext } from './context.js';
import { isUnknownOutcome } from './outcome.js';

// Event appends: handle() decides on the stream's version (pinned), appendToStream with
// 'any' is unpinned. Every event carries its append's tag, so the streams show whether
// an append landed, and how often.

const aggregate = { initialState: () => 0, evolve: (n: number) => n + 1 };

/** handle(): an event decided on the current stream, appended at its expected version. */
export async function handled(ctx: WorkerContext): Promise<void> {
  const stream = `stream-${pick(ctx, ctx.streams)}`;
  const tag = ctx.tag();
  await recordAppend(ctx, stream, tag, async () => {
    const result = await ctx.store.events.handle(
      stream,
      aggregate,
      () => ({ type: 'Tick', data: { by: ctx.name, tag } }),
      { retry: ctx.retry },
    );
    const event = result.events[0] as RecordedEvent;
    return { version: event.version, id: event.id };
  });
}

/** appendToStream() with `expectedVersion: 'any'`. */
export async function appendedAny(ctx: WorkerContext): Promise<void> {
  const stream = `stream-${pick(ctx, ctx.streams)}`;
  const tag = ctx.tag();
  await recordAppend(ctx, stream, tag, async () => {
    await ctx.store.events.appendToStream(stream, [{ type: 'Tick', data: { by: ctx.name, tag } }], {
      expectedVersion: 'any',
    });
    return {};
  });
}

async function recordAppend(
  ctx: WorkerContext,
  stream: string,
  tag: string,
  append: () => Promise<{ version?: number; id?: string }>,
): Promise<void> {
  const record = (fields: Omit<AppendRecord, 'stream' | 'tag'>) =>
    ctx.appends.push({ stream, tag, ...fields });
  try {
    record({ status: 'ok', ...(await append()) });
  } catch (error) {
    if (isUnknownOutcome(error)) return void record({ status: 'unknown' });
    record({ status: 'fail' });
    const refused =
      error instanceof ConcurrencyError ||
      (error as { code?: string }).code === 'RETRY_EXHAUSTED' ||
      (error as { code?: string }).code === 'TRANSIENT_FAILURE';
    if (!refused) throw error;
  }
}
