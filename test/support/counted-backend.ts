import type { Backend } from '../../src/backends/kit/backend.js';

/**
 * `backend` itself, every method called on it as before, with the calls of `method`
 * counted: how many queries a store sends, where no hook tells.
 */
export function countedBackend(
  backend: Backend,
  method: keyof Backend,
): { backend: Backend; calls(): number; reset(): void } {
  let calls = 0;
  const counted = new Proxy(backend, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      // Called on the backend itself, whose private fields a proxy does not have.
      return (...args: unknown[]) => {
        if (key === method) calls++;
        return value.apply(target, args);
      };
    },
  });
  return {
    backend: counted,
    calls: () => calls,
    reset: () => {
      calls = 0;
    },
  };
}
