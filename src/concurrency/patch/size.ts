import type { Json } from '../merge.js';

/** An array or an object of a JSON value. */
export type Container = Json[] | { [key: string]: Json };

/** True for arrays and objects. */
export function isContainer(value: Json | undefined): value is Container {
  return typeof value === 'object' && value !== null;
}

// Containers measured at fewer bytes than this are walked again when asked: remembering
// every small object costs more than walking it, and a walk of one is bounded by this.
const REMEMBER_FROM = 512;
// Strings at least this long keep their measured size, so copies of one are measured once.
const LONG_STRING = 256;

/**
 * Sizes of JSON values in bytes of UTF-8 `JSON.stringify` text, without building it.
 * A container's size is measured once and remembered (by identity: the patch code never
 * changes a container it does not own, and reports every change to one it owns), so
 * sharing a subtree in ten places costs one measurement, not ten.
 */
export class SizeMeter {
  readonly #content = new WeakMap<object, number>();
  readonly #strings = new Map<string, number>();

  /** Bytes of the value's JSON text; `undefined` counts as the `null` an array holds for it. */
  bytes(value: Json | undefined): number {
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'number':
        return Number.isFinite(value) ? String(value).length : 4;
      case 'boolean':
        return value ? 4 : 5;
      case 'object':
        return value === null ? 4 : bracketed(this.content(value));
      default:
        return 4;
    }
  }

  /**
   * Bytes between a container's brackets, each member counted with a trailing comma
   * (so adding or removing one is a plain difference; `bracketed` turns it into bytes).
   */
  content(container: Container): number {
    const known = this.#content.get(container);
    if (known !== undefined) return known;
    let total = 0;
    if (Array.isArray(container)) {
      for (const item of container) total += this.element(item);
    } else {
      for (const key of Object.keys(container)) total += this.entry(key, container[key]);
    }
    if (total >= REMEMBER_FROM) this.#content.set(container, total);
    return total;
  }

  /** Records the content size of a container the patch owns, after changing it. */
  remember(container: Container, content: number): void {
    this.#content.set(container, content);
  }

  /** Bytes an array item adds to its array's content. */
  element(value: Json | undefined): number {
    return this.bytes(value) + 1;
  }

  /** Bytes a field adds to its object's content: none for `undefined`, which JSON drops. */
  entry(key: string, value: Json | undefined): number {
    return value === undefined ? 0 : this.#string(key) + this.bytes(value) + 2;
  }

  #string(text: string): number {
    if (text.length < LONG_STRING) return stringBytes(text);
    let bytes = this.#strings.get(text);
    if (bytes === undefined) {
      bytes = stringBytes(text);
      this.#strings.set(text, bytes);
    }
    return bytes;
  }
}

/** Bytes of a container whose content (members with trailing commas) is `content` bytes. */
export function bracketed(content: number): number {
  // '[]' when empty; otherwise the last member's comma is the closing bracket's place.
  return content === 0 ? 2 : content + 1;
}

// Bytes of `JSON.stringify(text)` in UTF-8: quotes, escapes, multi-byte characters, and
// lone surrogates, which JSON.stringify escapes as \uXXXX.
function stringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code === 0x22 || code === 0x5c) bytes += 2;
      else if (code >= 0x20) bytes += 1;
      else bytes += SHORT_ESCAPES.has(code) ? 2 : 6;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 6;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      bytes += 6;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

// \b \t \n \f \r: the control characters JSON writes as two characters.
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
