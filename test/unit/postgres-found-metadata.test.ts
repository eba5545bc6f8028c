import { describe, expect, it } from 'vitest';
import { metadataOf } from '../../src/backends/postgres/query.js';

describe('PostgreSQL found metadata', () => {
  it('reads the numbers and the actor, null, empty or with spaces', () => {
    const base = { revision: 3, token: 'tok', seq: 41, lastModified: 1_700_000_000_000 };
    expect(metadataOf('tok', '3 41 1700000000000')).toEqual({ ...base, lastModifiedBy: null });
    expect(metadataOf('tok', '3 41 1700000000000 ')).toEqual({ ...base, lastModifiedBy: '' });
    expect(metadataOf('tok', '3 41 1700000000000 a b  c')).toEqual({
      ...base,
      lastModifiedBy: 'a b  c',
    });
  });
});
