import { InvalidArgumentError } from '../core/errors.js';
import { safeDescribe, stripUndefined } from '../core/json.js';
import type { Operation } from '../core/operation.js';
import type { Condition } from './condition.js';
import type { MergeOptions } from './merge.js';
import type { ResolveContext } from './resolvers.js';
import type { RetryOptions } from './retry.js';
import { STRATEGIES, type Strategy } from './strategy.js';

/**
 * A resolver as a policy names it. Policies span collections, so the document type is
 * not known here: any resolver fits, and `update()` or `saveChanges()` calls it with the
 * collection's documents.
 */
export type PolicyResolver = (context: ResolveContext<never>) => unknown;

/**
 * How writers of one document in one process take turns:
 * - `'none'` (default): every writer reads and writes at once; conflicts are retried.
 * - `'queue'`: writers of the same document in this process queue and go one at a time,
 *   so they stop colliding with each other (the check still guards against other processes).
 * - `'lock'`: as `'queue'`, and on backends that can (PostgreSQL) the read takes a row
 *   lock (`SELECT … FOR UPDATE`) held until the write commits, so writers in other
 *   processes wait instead of colliding too.
 * - `'adaptive'`: `'none'` until a document's recent conflict rate passes a threshold,
 *   then `'lock'` for it until the rate falls again.
 */
export type ContentionMode = 'none' | 'queue' | 'lock' | 'adaptive';

/**
 * What a version-checked `put()` does when the document moved on since the version it
 * names: `'fail'` (the default) throws `ConcurrencyError`; `'merge'` merges on the server:
 * the version the write was made from is read from the collection's history as the common
 * ancestor, the write's changes and the changes made since are joined by a three-way
 * merge, and the result is saved checked against the version it was merged with (see
 * docs/history.md).
 */
export type OnStale = 'fail' | 'merge';

/** What a policy decides for an operation. Every field is optional; unset fields keep their default. */
export interface PolicyConfig {
  /** The check writes carry when the caller names none; see `Strategy`. */
  strategy?: Strategy;
  /** The predicate of the `'conditional'` strategy. */
  condition?: Condition;
  /** Retry and backoff of `update()` and of resolving `saveChanges()`. */
  retry?: RetryOptions;
  /** Settles conflicts; `'retry'` (the default of `update()`) reloads and runs the change again. */
  resolver?: PolicyResolver | 'retry';
  /** `false` turns the checks of loaded documents off: last write wins. */
  optimistic?: boolean;
  /** How concurrent writers of one document take turns. */
  contention?: ContentionMode;
  /** What a stale version-checked `put()` does; see `OnStale`. */
  onStale?: OnStale;
  /** How `onStale: 'merge'` merges: array identities, and who wins where both changed a path. */
  merge?: MergeOptions;
}

/** What a rule looks at to decide. */
export interface PolicyContext {
  readonly collection: string;
  readonly operation: Operation;
  readonly tags: readonly string[];
  readonly flags: readonly string[];
  readonly tenant: string;
  /** The store's `environment` option, e.g. `'production'`. */
  readonly environment: string | undefined;
  /** Who writes: the call's own `actor` option, else the session's or the store's. */
  readonly actor: string | null;
  hasTag(tag: string): boolean;
  hasFlag(flag: string): boolean;
}

/** What an operation says about policies. */
export interface PolicyOptions {
  /** Tags rules can match (`ctx.hasTag('high-volume')`). */
  tags?: readonly string[];
  /** Flags rules can match (`ctx.hasFlag('load-testing')`). */
  flags?: readonly string[];
  /** Applied over whatever the rules decided. */
  policy?: PolicyConfig;
  /** Skips the rules: only `policy` (and the defaults) apply. */
  bypassPolicies?: boolean;
}

interface Rule {
  readonly predicate: (context: PolicyContext) => boolean;
  readonly config: PolicyConfig;
  readonly continue: boolean;
}

/**
 * Rules that choose the check, retry policy, resolver and contention handling per
 * operation, evaluated at run time in order. The first rule
 * that matches decides, unless it says `{ continue: true }`: then later matching rules
 * fill in what it left unset.
 *
 * @example
 * const policies = new Policies()
 *   .when((ctx) => ctx.collection === 'carts').then({ resolver: additiveMerge({ identity: 'sku' }) })
 *   .when((ctx) => ctx.hasTag('high-volume')).then({ retry: { maxAttempts: 20 } }, { continue: true })
 *   .when((ctx) => ctx.environment === 'development').then({ strategy: 'lastWriteWins' });
 */
export class Policies {
  readonly #rules: Rule[] = [];

  /** Starts a rule; finish it with `.then(config)`. */
  when(predicate: (context: PolicyContext) => boolean): {
    then(config: PolicyConfig, options?: { continue?: boolean }): Policies;
  } {
    if (typeof predicate !== 'function') {
      throw new InvalidArgumentError('when() takes a function of the policy context');
    }
    return {
      // `then` reads as the rule's second half. Awaiting the builder by mistake calls
      // it with functions, which validatePolicyConfig refuses, so the await rejects.
      // biome-ignore lint/suspicious/noThenProperty: when(…).then(config) is the rule syntax
      then: (config, options = {}) => {
        validatePolicyConfig(config);
        this.#rules.push({ predicate, config, continue: options.continue === true });
        return this;
      },
    };
  }

  /** The configuration the rules give for `context`. */
  evaluate(context: PolicyContext): PolicyConfig {
    let result: PolicyConfig = {};
    for (const rule of this.#rules) {
      if (!rule.predicate(context)) continue;
      result = { ...rule.config, ...result };
      if (!rule.continue) break;
    }
    return result;
  }
}

/** Refuses a policy configuration no operation could follow. */
export function validatePolicyConfig(config: PolicyConfig): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError(`A policy is an object, got ${safeDescribe(config)}`);
  }
  if (config.strategy !== undefined && !STRATEGIES.has(config.strategy)) {
    throw new InvalidArgumentError(
      `Unknown strategy ${safeDescribe(config.strategy)}; one of ${[...STRATEGIES].join(', ')}`,
    );
  }
  if (config.strategy === 'conditional' && config.condition === undefined) {
    throw new InvalidArgumentError("The 'conditional' strategy needs a condition");
  }
  if (
    config.resolver !== undefined &&
    config.resolver !== 'retry' &&
    typeof config.resolver !== 'function'
  ) {
    throw new InvalidArgumentError("A resolver is a function or 'retry'");
  }
  if (config.optimistic !== undefined && typeof config.optimistic !== 'boolean') {
    throw new InvalidArgumentError('optimistic is a boolean');
  }
  if (
    config.contention !== undefined &&
    !['none', 'queue', 'lock', 'adaptive'].includes(config.contention)
  ) {
    throw new InvalidArgumentError("contention is 'none', 'queue', 'lock' or 'adaptive'");
  }
  validateStale(config.onStale, config.merge);
}

/** Refuses an `onStale` other than `'fail'` or `'merge'`, and `merge` options that are not an object. */
export function validateStale(onStale: unknown, merge: unknown): void {
  if (onStale !== undefined && onStale !== 'fail' && onStale !== 'merge') {
    throw new InvalidArgumentError(`onStale is 'fail' or 'merge', got ${safeDescribe(onStale)}`);
  }
  if (
    merge !== undefined &&
    (typeof merge !== 'object' || merge === null || Array.isArray(merge))
  ) {
    throw new InvalidArgumentError(
      `merge is an object of merge options, got ${safeDescribe(merge)}`,
    );
  }
}

/**
 * The configuration of one operation: the rules' result (unless bypassed) under the
 * operation's own `policy`.
 */
export function decidePolicy(
  policies: Policies | undefined,
  context: PolicyContext,
  options: PolicyOptions,
): PolicyConfig {
  if (options.policy !== undefined) validatePolicyConfig(options.policy);
  const ruled = policies && options.bypassPolicies !== true ? policies.evaluate(context) : {};
  return { ...ruled, ...stripUndefined(options.policy ?? {}) };
}

/** Builds the context rules see. */
export function policyContext(fields: {
  collection: string;
  operation: Operation;
  tenant: string;
  environment: string | undefined;
  actor: string | null;
  options: PolicyOptions;
}): PolicyContext {
  const tags = stringList(fields.options.tags, 'tags');
  const flags = stringList(fields.options.flags, 'flags');
  return {
    collection: fields.collection,
    operation: fields.operation,
    tenant: fields.tenant,
    environment: fields.environment,
    actor: fields.actor,
    tags,
    flags,
    hasTag: (tag) => tags.includes(tag),
    hasFlag: (flag) => flags.includes(flag),
  };
}

function stringList(value: readonly string[] | undefined, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidArgumentError(`${name} is an array of strings`);
  }
  return value;
}
