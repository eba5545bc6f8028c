import type { Backend } from '../../src/backends/kit/backend.js';

/**
 * `backend` itself, every method called on it as before, where each call of `method` runs
 * the next of `meanwhile` (if any is left) once it has answered and before its caller sees
 * the answer: another client's write lands between two statements of one store call,
 * where no timing could place it.
 */
export function afterAnswer(
  backend: Backend,
  method: keyof Backend,
): { backend: Backend; meanwhile: (() => Promise<unknown>)[] } {
  const meanwhile: (() => Promise<unknown>)[] = [];
  const proxy = new Proxy(backend, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      // Called on the backend itself, whose private fields a proxy does not have.
      return async (...args: unknown[]) => {
        const answer = await value.apply(target, args);
        if (key === method) await meanwhile.shift()?.();
        return answer;
      };
    },
  });
  return { backend: proxy, meanwhile };
}
