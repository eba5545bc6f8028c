import type { Bind } from '../kit/condition-sql.js';

/**
 * `bind` binding each distinct string once: a later bind of the same string reads the
 * parameter the first one made. Every test of a path names its JSON path, twice more for
 * each segment that may index an array, and SQLite finds each named parameter by a search
 * of those before it, in the statement's parse and at each bind: a filter naming a long
 * path for each of hundreds of values took seconds, and past 32,766 parameters was
 * refused. Numbers are bound as they come, each a value of the caller's.
 */
export function sharedStrings(bind: Bind): Bind {
  const named = new Map<string, string>();
  return (value) => {
    if (typeof value !== 'string') return bind(value);
    let parameter = named.get(value);
    if (parameter === undefined) {
      parameter = bind(value);
      named.set(value, parameter);
    }
    return parameter;
  };
}
