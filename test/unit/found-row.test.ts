import { describe, expect, it } from 'vitest';
import { foundOf } from '../../src/backends/kit/found-row.js';

describe('found rows', () => {
  const base = { revision: 3, token: 'tok', seq: 41, lastModified: 1_700_000_000_000 };
  const meta = (id: string, actor?: string) =>
    `3 41 1700000000000 tok\u0001${id}${actor === undefined ? '' : `\u0001${actor}`}`;

  it('reads the id, the numbers, the token and the actor: none, empty or with spaces', () => {
    expect(foundOf(['{}', meta('a b')])).toEqual({
      id: 'a b',
      body: '{}',
      metadata: { ...base, lastModifiedBy: null },
    });
    expect(foundOf(['{}', meta(' x ', '')])).toMatchObject({
      metadata: { ...base, lastModifiedBy: '' },
    });
    expect(foundOf(['{}', meta('😀', 'a b  c')])).toEqual({
      id: '😀',
      body: '{}',
      metadata: { ...base, lastModifiedBy: 'a b  c' },
    });
  });

  it('reads the id of the first row past a byte budget', () => {
    expect(foundOf([null, meta('1 2', 'z')])).toEqual({ id: '1 2', body: null });
  });
});
