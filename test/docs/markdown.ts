import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root folder. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The hand-written pages: README.md and every docs/*.md (the generated docs/api/ is not one). */
export function docPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Reads a page by its path relative to the repository root. */
export function readPage(page: string): string {
  return readFileSync(join(ROOT, page), 'utf8');
}

/** A fenced code block of a page. */
export interface CodeBlock {
  /** The word after the opening fence: `ts`, `sh`, `text`, … */
  readonly lang: string;
  /** The block's content, its fence's indentation removed. */
  readonly code: string;
  /** The page line (1-based) of the block's first content line. */
  readonly line: number;
  /** The hidden code of the `<!-- prelude … -->` comment in force where the block stands. */
  readonly prelude: string;
}

const FENCE = /^(\s*)(`{3,})\s*([^\s`]*)/;
const PRELUDE = /^\s*<!--\s*prelude\b/;

/**
 * The fenced code blocks of a page. A `<!-- prelude … -->` comment (possibly spanning
 * lines) sets hidden code for every block after it, until the next prelude comment; an
 * empty `<!-- prelude -->` clears it.
 */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let prelude = '';
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    if (PRELUDE.test(text)) {
      const body: string[] = [text.replace(PRELUDE, '')];
      while (!(body[body.length - 1] as string).includes('-->') && i + 1 < lines.length) {
        body.push(lines[++i] as string);
      }
      prelude = body
        .join('\n')
        .replace(/-->\s*$/, '')
        .trim();
      continue;
    }
    const open = FENCE.exec(text);
    if (!open) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const start = i + 1;
    const content: string[] = [];
    while (++i < lines.length && !(lines[i] as string).trimStart().startsWith(fence)) {
      const line = lines[i] as string;
      content.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ lang, code: content.join('\n'), line: start + 1, prelude });
  }
  return blocks;
}

/** The page with its fenced code blocks blanked, line numbers kept. */
export function withoutFences(markdown: string): string {
  let fence: string | null = null;
  return markdown
    .split('\n')
    .map((line) => {
      const open = FENCE.exec(line);
      if (fence === null && open) {
        fence = open[2] as string;
        return '';
      }
      if (fence !== null) {
        if (line.trimStart().startsWith(fence)) fence = null;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** The page with fenced code blocks and inline code spans blanked, line numbers kept. */
export function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '``');
}

/** The anchors of a page's headings, as GitHub makes them (duplicates get `-1`, `-2`, …). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = slugOf(heading[1] as string);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

/** GitHub's anchor of a heading: link text kept, lowercase, punctuation dropped, spaces as `-`. */
export function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The targets of a page's inline links and images, with their lines, outside code. */
export function links(markdown: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  prose(markdown)
    .split('\n')
    .forEach((text, i) => {
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        found.push({ target: match[1] as string, line: i + 1 });
      }
    });
  return found;
}
