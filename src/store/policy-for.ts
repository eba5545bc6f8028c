import {
  decidePolicy,
  type PolicyConfig,
  type PolicyOptions,
  policyContext,
} from '../concurrency/policy.js';
import type { Operation } from '../core/operation.js';
import type { StoreContext } from './context.js';

const NONE: PolicyConfig = Object.freeze({});

/**
 * The policy configuration of one operation on `collection`: the store's rules (unless
 * bypassed) under the operation's own `policy`, seen in `context`'s scope (tenant, actor).
 * Without rules or overrides it is `{}`, at no cost.
 */
export function policyFor(
  context: Pick<StoreContext, 'runtime' | 'scope'>,
  collection: string,
  operation: Operation,
  options: PolicyOptions,
): PolicyConfig {
  const { runtime, scope } = context;
  if (!runtime.policies && options.policy === undefined) return NONE;
  const ctx = policyContext({
    collection,
    operation,
    tenant: scope.tenant,
    environment: runtime.environment,
    actor: scope.actor,
    options,
  });
  return decidePolicy(runtime.policies, ctx, options);
}
