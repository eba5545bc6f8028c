import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docPages, links, ROOT, readPage } from './markdown.js';

// The README is the front door and docs/index.md the map: both lead to every page, the
// README stays short, and every page says in its first sentence what it covers.

const pages = docPages().filter((page) => page.startsWith('docs/'));

/** The docs pages a page links to, by their path from the repository root. */
function linkedPages(page: string): Set<string> {
  const base = page.startsWith('docs/') ? 'docs/' : '';
  return new Set(
    links(readPage(page)).map(({ target }) =>
      join(base, target.split('#')[0] as string).replace(/\\/g, '/'),
    ),
  );
}

/** The codes of the `ErrorCode` union, wherever in src/ it is declared. */
function errorCodes(): string[] {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(ROOT, 'src', file), 'utf8');
    const union = /export type ErrorCode\s*=([^;]*);/.exec(text);
    if (union) return [...(union[1] as string).matchAll(/'([A-Z_]+)'/g)].map((m) => m[1] as string);
  }
  throw new Error('no ErrorCode type in src/');
}

describe('the documentation pages', () => {
  it('docs/errors.md names every ErrorCode', () => {
    const page = readPage('docs/errors.md');
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(10);
    expect(codes.filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  });

  it('README.md is under 10 KB', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThan(10 * 1024);
  });

  it('README.md and docs/index.md link to every page of docs/', () => {
    for (const from of ['README.md', 'docs/index.md']) {
      const linked = linkedPages(from);
      const missing = pages.filter((page) => page !== from && !linked.has(page));
      expect(missing, `pages ${from} does not link to`).toEqual([]);
    }
  });

  it('every page of docs/ starts with a sentence saying what it covers', () => {
    const silent = pages.filter((page) => {
      const paragraphs = readPage(page).split(/\n\s*\n/);
      return !/^This page (covers|lists)\b/.test(paragraphs[1] ?? '');
    });
    expect(silent).toEqual([]);
  });
});
