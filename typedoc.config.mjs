// The API reference (`npm run docs`): TypeDoc over the source of every entry point that
// package.json exports, so a new subpath is documented without touching this file.
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** `{ 'src/backends/sqlite/index.ts': 'noclobber/sqlite', … }`, from the exports map. */
export const entryNames = Object.fromEntries(
  Object.entries(manifest.exports).flatMap(([key, target]) => {
    const file = typeof target === 'string' ? target : target.default;
    if (!file?.startsWith('./dist/') || !file.endsWith('.js')) return [];
    const source = file.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    return [[source, key === '.' ? 'noclobber' : `noclobber/${key.slice(2)}`]];
  }),
);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'noclobber',
  entryPoints: Object.keys(entryNames),
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  readme: 'none',
  plugin: ['./typedoc.plugin.mjs'],
  excludePrivate: true,
  excludeInternal: true,
  sort: ['source-order'],
  // Source links without a git remote: this repository's clone may have none.
  sourceLinkTemplate: 'https://github.com/noclobber/noclobber/blob/{gitRevision}/{path}#L{line}',
  gitRevision: 'main',
  // Any warning fails the run: a broken {@link}, or a type that an export mentions but no
  // entry point exports (a reader of the reference could not name it).
  treatWarningsAsErrors: true,
  validation: { invalidLink: true, rewrittenLink: true, notExported: true, notDocumented: false },
};
