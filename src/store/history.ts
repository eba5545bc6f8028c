import { InvalidArgumentError } from '../core/errors.js';
import { safeDescribe } from '../core/json.js';

/**
 * How much revision history a collection keeps (see docs/history.md): the newest `keep`
 * revisions of each document, or every revision younger than `keepFor` ms. Older ones go
 * in the background, never before the write log's `keep`: for that long a write's token
 * says exactly whether it landed.
 */
export type HistoryOptions = { readonly keep: number } | { readonly keepFor: number };

const MAX_KEEP = 1_000_000;

/** `options` checked: a `HistoryOptions` or `undefined` (no history); `InvalidArgumentError` otherwise. */
export function historyOptions(options: unknown): HistoryOptions | undefined {
  if (options === undefined) return undefined;
  const shape = 'history is { keep: N } or { keepFor: ms }';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`${shape}, got ${safeDescribe(options)}`);
  }
  const keys = Object.keys(options);
  const [key] = keys;
  if (keys.length !== 1 || (key !== 'keep' && key !== 'keepFor')) {
    throw new InvalidArgumentError(`${shape}, got ${safeDescribe(options)}`);
  }
  const value = (options as Record<string, unknown>)[key];
  const max = key === 'keep' ? MAX_KEEP : Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`history.${key} is a whole number from 1 to ${max}`);
  }
  return key === 'keep' ? { keep: value } : { keepFor: value };
}

/** True when both describe the same retention (or both none). */
export function sameHistory(a: HistoryOptions | undefined, b: HistoryOptions | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return 'keep' in a ? 'keep' in b && a.keep === b.keep : 'keepFor' in b && a.keepFor === b.keepFor;
}
