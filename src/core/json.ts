import { InvalidArgumentError } from './errors.js';

/** True for `{}` literals and `Object.create(null)` objects, false for arrays and instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `text` holds a C0 control character or DEL. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Describes a value for an error message without calling its own code or printing much. */
export function safeDescribe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 50));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * An options argument: `undefined` stands for `{}`, anything but a plain object is refused
 * with a typed error rather than a TypeError from deep inside.
 */
export function optionsObject<T extends object>(options: T | undefined, where: string): T {
  if (options === undefined) return {} as T;
  if (!isPlainObject(options)) {
    throw new InvalidArgumentError(
      `${where} takes an options object, got ${safeDescribe(options)}`,
    );
  }
  return options;
}

/** A copy of `value` without its `undefined` fields, so spreading it overrides nothing with them. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
