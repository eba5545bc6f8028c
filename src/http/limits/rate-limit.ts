/** A token bucket per credential: `rate` requests a second on average, bursts of `burst`. */
export interface RateLimitOptions {
  /** Requests a second each credential may make, on average. */
  readonly rate: number;
  /** How many it may make at once after being idle. Default `rate`, at least 1. */
  readonly burst?: number;
}

/** Takes a token from a credential's bucket: `0` when it may go on, else seconds to wait. */
export type RateLimiter = (key: string) => number;

// Full buckets hold nothing worth keeping: past this many they are swept, so memory is
// bounded by the credentials active within one refill time, not by every one ever seen.
const SWEEP_AT = 10_000;

/**
 * A token-bucket limiter. Buckets refill continuously at `rate`; a request takes one
 * token, and one that finds none is told how long until the next (rounded up to whole
 * seconds, as `Retry-After` says it).
 */
export function rateLimiter(
  options: RateLimitOptions,
  now: () => number = () => performance.now(),
): RateLimiter {
  const rate = options.rate;
  const burst = Math.max(1, options.burst ?? rate);
  if (!(rate > 0) || !Number.isFinite(rate) || !Number.isFinite(burst)) {
    throw new RangeError('A rate limit needs a positive, finite rate and burst');
  }
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refilled = (bucket: { tokens: number; at: number }, t: number) =>
    Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
  return (key) => {
    const t = now();
    if (buckets.size >= SWEEP_AT) {
      for (const [k, b] of buckets) if (refilled(b, t) >= burst) buckets.delete(k);
    }
    const bucket = buckets.get(key) ?? { tokens: burst, at: t };
    bucket.tokens = refilled(bucket, t);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  };
}
