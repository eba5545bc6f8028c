import { expect, it } from 'vitest';
import { prefers } from '../../src/http/prefer.js';

const asks = (value: string) => prefers(new Headers({ prefer: value }), 'merge');

it('finds a preference among others, any case, with values and parameters', () => {
  expect(asks('merge')).toBe(true);
  expect(asks('return=minimal, MERGE')).toBe(true);
  expect(asks('respond-async; wait=5,merge;x=1')).toBe(true);
  expect(asks(' merge = "yes" ')).toBe(true);
  expect(prefers(new Headers(), 'merge')).toBe(false);
});

it('does not take a value or a quoted comma for the preference', () => {
  expect(asks('return=merge')).toBe(false);
  expect(asks('foo="a,merge"')).toBe(false);
  expect(asks('foo="a\\",merge"')).toBe(false);
  expect(asks('merged')).toBe(false);
});
