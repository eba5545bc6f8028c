import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, docPages, links, ROOT, readPage } from './markdown.js';

// Every relative link of README.md and docs/*.md must lead somewhere: to a file or folder
// of the repository and, with an anchor, to a heading of that page.

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Why `target`, linked from `page`, leads nowhere; `undefined` when it is fine. */
function brokenLink(page: string, target: string): string | undefined {
  if (EXTERNAL.test(target)) return undefined;
  const [path = '', anchor] = target.split('#', 2);
  const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
  if (relative(ROOT, join(ROOT, file)).startsWith('..')) return 'leaves the repository';
  if (!existsSync(join(ROOT, file))) return `${file} does not exist`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md') || statSync(join(ROOT, file)).isDirectory()) {
    return `an anchor into ${file}, which is not a page`;
  }
  return anchors(readPage(file)).has(anchor) ? undefined : `${file} has no heading #${anchor}`;
}

describe('the links of the README and docs/', () => {
  for (const page of docPages()) {
    it(`${page}: every relative link points at an existing file and anchor`, () => {
      const broken = links(readPage(page)).flatMap(({ target, line }) => {
        const why = brokenLink(page, target);
        return why ? [`${page}:${line} ${target}: ${why}`] : [];
      });
      expect(broken).toEqual([]);
    });
  }
});
