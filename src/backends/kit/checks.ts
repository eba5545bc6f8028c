/**
 * What a check and a condition mean, as a backend needs it: the forms it compiles
 * (`NormalizedCheck`, `NormalizedCondition`), how a path segment may index an array, and
 * the reference evaluator its SQL must agree with. They live in src/concurrency, where
 * the store validates them; the kit re-exports them so that a backend imports the kit and
 * src/core only, never the store's machinery (see scripts/check-layers.ts).
 */
export type { NormalizedCheck } from '../../concurrency/check.js';
export type { NormalizedCondition, Scalar } from '../../concurrency/condition.js';
export { arrayIndexOf, MISSING, resolvePath } from '../../concurrency/condition-path.js';
export { evaluateCondition } from '../../concurrency/evaluate-condition.js';
export {
  failsBatch,
  type JudgedMetadata,
  type Judgement,
  judgeCheck,
  judgeMiss,
  type Miss,
  type StoredState,
} from '../../concurrency/judge-check.js';
