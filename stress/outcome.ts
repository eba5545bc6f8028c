import { BatchWriteError, NoclobberError, TransientError } from '../src/index.js';
import type { Invocation } from '../src/testing/index.js';

/** What an accepted write tells about itself: the revision it made (when known), what it read. */
export interface Accepted {
  readonly revision?: number;
  readonly base?: number;
}

/** True when the store says it cannot know whether the write landed. */
export function isUnknownOutcome(error: unknown): boolean {
  return error instanceof TransientError && error.ambiguous;
}

/**
 * Runs a write and ends its invocations: ok with what `accepted` makes of the result
 * (`undefined`: it wrote nothing), unknown on an ambiguous `TransientError`, failed on any
 * other refusal of the store. Anything else is a bug of the run itself: recorded as
 * failed, then thrown.
 */
export async function settle<T>(
  invocations: readonly Invocation<unknown>[],
  write: () => Promise<T>,
  accepted: (result: T, index: number) => Accepted | undefined,
): Promise<void> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    for (const inv of invocations) {
      if (isUnknownOutcome(error)) inv.unknown(error);
      else inv.fail(error);
    }
    if (error instanceof NoclobberError || error instanceof BatchWriteError) return;
    throw error;
  }
  invocations.forEach((inv, i) => {
    const ok = accepted(result, i);
    if (ok) inv.ok(ok);
    else inv.fail(new Error('nothing was written'));
  });
}
