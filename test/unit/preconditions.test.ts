import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Current,
  type EntityTag,
  evaluatePreconditions,
  formatHttpDate,
  MalformedHeaderError,
  type Preconditions,
  parseETagCondition,
  parseHttpDate,
} from '../../src/http/index.js';

// etagc: %x21 / %x23-7E (obs-text left out: Headers carry ByteStrings as Latin-1 anyway)
const opaque = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0x7e })
    .filter((c) => c !== 0x22)
    .map((c) => String.fromCharCode(c)),
  maxLength: 20,
});
const tag = fc.record({ weak: fc.boolean(), opaque });
const show = (t: EntityTag) => `${t.weak ? 'W/' : ''}"${t.opaque}"`;
const separator = fc.constantFrom(',', ', ', ' ,', ' , ', ',,', ', ,');

describe('If-Match / If-None-Match parser', () => {
  it('reads back every list of entity tags it is given, whatever the spacing', () => {
    fc.assert(
      fc.property(fc.array(tag, { minLength: 1, maxLength: 8 }), separator, (tags, sep) => {
        const parsed = parseETagCondition(tags.map(show).join(sep), 'If-Match');
        expect(parsed).toEqual({ any: false, tags });
      }),
    );
  });

  it('refuses anything that is not * or a list of quoted tags, with a typed error', () => {
    const refused = [
      '',
      'abc',
      '"a',
      'a"',
      'W/a',
      'w/"a"',
      '"a" "b"',
      '"a",b',
      '**',
      '"a"x',
      '"a\\"b"',
      'W/ "a"',
    ];
    for (const value of refused) {
      expect(() => parseETagCondition(value, 'If-Match'), value).toThrow(MalformedHeaderError);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        try {
          parseETagCondition(value, 'If-None-Match');
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedHeaderError);
        }
      }),
    );
  });
});

describe('HTTP dates', () => {
  it('parses what it formats, to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799000 }), (ms) => {
        expect(parseHttpDate(formatHttpDate(ms), 'If-Modified-Since')).toBe(
          Math.floor(ms / 1000) * 1000,
        );
      }),
    );
  });

  it('accepts the obsolete forms and refuses impossible dates', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', 'x')).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', 'x')).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', 'x')).toBe(expected);
    for (const bad of [
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:49:37 GMT',
      '1994-11-06',
      'now',
    ]) {
      expect(() => parseHttpDate(bad, 'x'), bad).toThrow(MalformedHeaderError);
    }
  });
});

// Preconditions and current states, to check the evaluation order of RFC 9110 13.2.2.
const condition = fc.oneof(
  fc.constant({ any: true } as const),
  fc
    .array(fc.record({ weak: fc.boolean(), opaque: fc.constantFrom('1', '2', '3') }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((tags) => ({ any: false, tags }) as const),
);
const date = fc.integer({ min: 0, max: 10 }).map((s) => s * 1000);
const preconditions: fc.Arbitrary<Preconditions> = fc.record(
  { ifMatch: condition, ifNoneMatch: condition, ifModifiedSince: date, ifUnmodifiedSince: date },
  { requiredKeys: [] },
);
const current: fc.Arbitrary<Current | undefined> = fc.option(
  fc.record({
    etag: fc.constantFrom('1', '2', '3'),
    lastModified: fc.integer({ min: 0, max: 10_999 }),
  }),
  { nil: undefined },
);
const method = fc.constantFrom('GET', 'HEAD', 'PUT', 'PATCH', 'DELETE');

describe('precondition evaluation order (RFC 9110 13.2.2)', () => {
  it('a failing If-Match decides, whatever follows', () => {
    fc.assert(
      fc.property(preconditions, current, method, (p, cur, m) => {
        if (!p.ifMatch) return;
        const matches = p.ifMatch.any
          ? cur !== undefined
          : cur !== undefined && p.ifMatch.tags.some((t) => !t.weak && t.opaque === cur.etag);
        if (!matches) expect(evaluatePreconditions(p, m, cur)).toBe('failed');
      }),
    );
  });

  it('If-Unmodified-Since counts only without If-Match; If-Modified-Since only without If-None-Match', () => {
    fc.assert(
      fc.property(preconditions, current, method, (p, cur, m) => {
        const withoutIus = { ...p, ifUnmodifiedSince: undefined };
        const withoutIms = { ...p, ifModifiedSince: undefined };
        if (p.ifMatch)
          expect(evaluatePreconditions(p, m, cur)).toBe(evaluatePreconditions(withoutIus, m, cur));
        if (p.ifNoneMatch)
          expect(evaluatePreconditions(p, m, cur)).toBe(evaluatePreconditions(withoutIms, m, cur));
      }),
    );
  });

  it('reads get 304 where writes get 412, and writes never get 304', () => {
    fc.assert(
      fc.property(preconditions, current, (p, cur) => {
        const get = evaluatePreconditions(p, 'GET', cur);
        const put = evaluatePreconditions(p, 'PUT', cur);
        expect(put).not.toBe('not-modified');
        if (get === 'not-modified' && p.ifNoneMatch) expect(put).toBe('failed');
        if (get === 'failed') expect(put).toBe('failed');
      }),
    );
  });

  it('no preconditions: always proceed', () => {
    fc.assert(
      fc.property(current, method, (cur, m) => {
        expect(evaluatePreconditions({}, m, cur)).toBe('proceed');
      }),
    );
  });
});

describe('list syntax edges', () => {
  it('accepts empty list elements at the start as at the end (RFC 9110 5.6.1)', () => {
    expect(parseETagCondition(', "a"', 'If-None-Match')).toEqual({
      any: false,
      tags: [{ weak: false, opaque: 'a' }],
    });
    expect(parseETagCondition('"a",', 'If-None-Match')).toEqual({
      any: false,
      tags: [{ weak: false, opaque: 'a' }],
    });
  });
});
