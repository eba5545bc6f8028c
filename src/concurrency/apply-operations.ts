import { OperationTypeError } from '../core/errors.js';
import { arrayIndexOf, MISSING, resolvePath } from './condition-path.js';
import { compareCodePoints, evaluateCondition } from './evaluate-condition.js';
import type { Json } from './merge.js';
import type { NormalizedOperation } from './operations.js';

type Container = Record<string, unknown> | unknown[];

/**
 * The meaning of atomic operations, once: the document `operations` make of `document`
 * (a stored document as JSON parses it), or `OperationTypeError` when one of them does
 * not fit it. Each backend compiles operations to one SQL expression that must agree with
 * this function on every document; the conformance suite checks that it does.
 *
 * Paths address values as `resolvePath` says (conditions' paths). Operations never
 * overlap (normalisation refuses it), so their order does not matter. For `$set`, `$inc`,
 * `$mul`, `$min`, `$max`, `$push` and `$addToSet`, which write a value at their path:
 *
 * - the path's parents are walked from the document: an object's missing key is created
 *   as `{}`; an array is stepped into only by an index of an item it has (no padding, no
 *   appending by index); a string, number, boolean or `null` on the way is a type error;
 * - the value at the path decides: `$set` replaces anything. `$inc` adds to a number,
 *   `$mul` multiplies one, as JavaScript (IEEE 754 doubles) does; a result that is not
 *   finite is a type error. `$min`/`$max` compare a number operand with a stored number
 *   and a string operand with a stored string (by code point, as conditions do) and keep
 *   the lower/higher; `$push` appends its values to an array; `$addToSet` appends each of
 *   its scalars that no item equals (by JSON type and value, as `$eq`). Any other stored
 *   type is a type error (`null` included);
 * - a missing value starts as the operand (`$set`, `$inc`, `$min`, `$max`), `0` (`$mul`)
 *   or an array of the values (`$push`, `$addToSet`).
 *
 * `$unset` and `$pull` never create anything: where the path addresses nothing, they do
 * nothing. `$unset` removes an object's key, and sets an array's item to `null` (so the
 * indexes of its other items stay). `$pull` keeps the items of an array its condition
 * does not hold on, in order; on any other stored type it is a type error.
 *
 * The result is a new document; `document` is left as it was.
 */
export function applyOperations(
  document: Record<string, unknown>,
  operations: readonly NormalizedOperation[],
): Record<string, unknown> {
  const result = structuredClone(document);
  for (const operation of operations) apply(result, document, operation);
  return result;
}

function apply(result: Container, original: unknown, operation: NormalizedOperation): void {
  if (operation.op === 'unset' || operation.op === 'pull') {
    const stored = resolvePath(original, operation.path);
    if (stored === MISSING) return;
    const { container, key } = walk(result, operation);
    if (operation.op === 'pull') {
      if (!Array.isArray(stored)) throw mismatch(operation, `is not an array`);
      const kept = stored.filter((item) => !evaluateCondition(operation.condition, item));
      put(container, key, structuredClone(kept));
    } else if (Array.isArray(container)) {
      container[key as number] = null;
    } else {
      delete container[key];
    }
    return;
  }
  const { container, key } = walk(result, operation);
  const stored = Array.isArray(container)
    ? container[key as number]
    : Object.hasOwn(container, key)
      ? container[key]
      : MISSING;
  put(container, key, written(operation, stored));
}

// The container holding the operation's path and the key or index in it, creating missing
// objects on the way. Only called where the path may be written (see applyOperations).
function walk(document: Container, operation: NormalizedOperation) {
  let container: Container = document;
  operation.path.forEach((segment, i) => {
    if (i === operation.path.length - 1) return;
    const next = step(container, segment, operation);
    if (next === MISSING) {
      const created = {};
      put(container, segment, created);
      container = created;
    } else if (typeof next === 'object' && next !== null) {
      container = next as Container;
    } else {
      throw mismatch(
        operation,
        `passes through ${describe(next)} at ${operation.path.slice(0, i + 1).join('.')}`,
      );
    }
  });
  const last = operation.path[operation.path.length - 1] as string;
  if (Array.isArray(container)) {
    step(container, last, operation);
    return { container, key: arrayIndexOf(last) as number };
  }
  return { container, key: last };
}

// The child of an object (MISSING when absent) or the item of an array, whose segment
// must be an index of an item it has.
function step(container: Container, segment: string, operation: NormalizedOperation): unknown {
  if (!Array.isArray(container)) {
    return Object.hasOwn(container, segment) ? container[segment] : MISSING;
  }
  const index = arrayIndexOf(segment);
  if (index === undefined || index >= container.length) {
    throw mismatch(operation, `names no item of an array (${JSON.stringify(segment)})`);
  }
  return container[index];
}

function written(operation: NormalizedOperation, stored: unknown): unknown {
  switch (operation.op) {
    case 'set':
      return structuredClone(operation.value);
    case 'inc':
    case 'mul': {
      if (stored === MISSING) return operation.op === 'inc' ? operation.value : 0;
      if (typeof stored !== 'number')
        throw mismatch(operation, `is ${describe(stored)}, not a number`);
      const value = operation.op === 'inc' ? stored + operation.value : stored * operation.value;
      if (!Number.isFinite(value))
        throw mismatch(operation, 'gives a number beyond the range of doubles');
      return value;
    }
    case 'min':
    case 'max': {
      if (stored === MISSING) return operation.value;
      const operand = operation.value;
      if (typeof stored !== typeof operand) {
        throw mismatch(operation, `is ${describe(stored)}, not a ${typeof operand}`);
      }
      const order =
        typeof operand === 'number'
          ? Math.sign(operand - (stored as number))
          : compareCodePoints(operand, stored as string);
      return (operation.op === 'min' ? order < 0 : order > 0) ? operand : stored;
    }
    case 'push':
    case 'addToSet': {
      if (stored !== MISSING && !Array.isArray(stored)) {
        throw mismatch(operation, `is ${describe(stored)}, not an array`);
      }
      const items: unknown[] = stored === MISSING ? [] : stored;
      const added: Json[] =
        operation.op === 'push'
          ? operation.values
          : operation.values.filter((v) => !items.some((item) => item === v));
      return [...items, ...structuredClone(added)];
    }
    default:
      throw new Error(`unreachable: ${operation.op}`);
  }
}

function put(container: Container, key: string | number, value: unknown): void {
  // defineProperty, so that a key such as "__proto__" is a key like any other.
  Object.defineProperty(container, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const NAMES: Record<NormalizedOperation['op'], string> = {
  set: '$set',
  unset: '$unset',
  inc: '$inc',
  mul: '$mul',
  min: '$min',
  max: '$max',
  push: '$push',
  pull: '$pull',
  addToSet: '$addToSet',
};

/** The operator of a normalised operation, as callers write it (`'$inc'`). */
export function operatorName(operation: NormalizedOperation): string {
  return NAMES[operation.op];
}

function mismatch(operation: NormalizedOperation, what: string): OperationTypeError {
  const path = operation.path.join('.');
  const operator = operatorName(operation);
  return new OperationTypeError(`${operator} on ${path}: the path ${what}; nothing was written`, {
    operator,
    path,
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
