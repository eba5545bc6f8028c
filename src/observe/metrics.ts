import { type Attributes, type Counter, type Histogram, metrics } from '@opentelemetry/api';

/**
 * The OpenTelemetry instruments noclobber records to. They come from the global meter
 * provider, so they cost next to nothing until the application installs an SDK.
 */
export interface Instruments {
  readonly conflicts: Counter;
  readonly retries: Counter;
  readonly resolutions: Counter;
  readonly giveUps: Counter;
  readonly attempts: Histogram;
}

let cached: Instruments | undefined;

/** The instruments, made on first use (after the application had its chance to set up OTel). */
export function instruments(): Instruments {
  if (cached) return cached;
  const meter = metrics.getMeter('noclobber');
  cached = {
    conflicts: meter.createCounter('noclobber.conflicts', {
      description: 'Writes whose concurrency check failed',
    }),
    retries: meter.createCounter('noclobber.retries', {
      description: 'Operations tried again after a conflict',
    }),
    resolutions: meter.createCounter('noclobber.resolutions', {
      description: 'Conflicts settled by a resolver',
    }),
    giveUps: meter.createCounter('noclobber.give_ups', {
      description: 'Operations that stopped without saving because of conflicts',
    }),
    attempts: meter.createHistogram('noclobber.attempts', {
      description: 'Attempts an operation took, by outcome',
      unit: '{attempt}',
      advice: { explicitBucketBoundaries: [1, 2, 3, 5, 10, 20, 50] },
    }),
  };
  return cached;
}

/** Forgets the instruments, so the next use takes them from the current global provider. */
export function resetInstruments(): void {
  cached = undefined;
}

/** The attributes every measurement carries. */
export function attributesOf(collection: string, outcome: string, operation: string): Attributes {
  return {
    'noclobber.collection': collection,
    'noclobber.outcome': outcome,
    'noclobber.operation': operation,
  };
}
