import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeBlocks, docPages, ROOT, readPage } from './markdown.js';

// Every ```ts block of README.md and docs/*.md must compile as its own module, under
// `strict`, against the repository's source: a reader who copies one gets code that
// type-checks. The package's own names (`noclobber`, `noclobber/sqlite`, …) are mapped to
// the source files behind each export of package.json.

interface Snippet {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  /** Lines of hidden prelude before the snippet's first line. */
  readonly offset: number;
  /** The page line of the snippet's first line. */
  readonly line: number;
}

/** `noclobber/<subpath>` → the source file of that export (dist/x/index.js → src/x/index.ts). */
function exportPaths(): Record<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default?: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [key, target] of Object.entries(manifest.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (!file?.startsWith('./dist/') || !file.endsWith('.js')) continue;
    const name = key === '.' ? 'noclobber' : `noclobber/${key.slice(2)}`;
    paths[name] = [join(ROOT, file.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))];
  }
  return paths;
}

function snippets(): Snippet[] {
  const all: Snippet[] = [];
  for (const page of docPages()) {
    for (const block of codeBlocks(readPage(page))) {
      if (block.lang !== 'ts') continue;
      const prelude = block.prelude === '' ? '' : `${block.prelude}\n`;
      const slug = page.replace(/[^a-z0-9]+/gi, '-');
      all.push({
        name: `${page}:${block.line}`,
        // Inside the repository, so its package.json makes the snippet an ES module.
        file: join(ROOT, 'test', 'docs', '.snippets', `${slug}-${block.line}.ts`),
        text: `${prelude}${block.code}\n`,
        offset: prelude === '' ? 0 : prelude.split('\n').length - 1,
        line: block.line,
      });
    }
  }
  return all;
}

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2024.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
  esModuleInterop: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  baseUrl: ROOT,
  paths: exportPaths(),
};

interface Compiled {
  /** Each snippet's errors, as `line N: message`. */
  readonly errors: Map<string, string[]>;
  /** Every file the program read. */
  readonly files: readonly string[];
}

/** Compiles every snippet in one program. */
function compile(all: readonly Snippet[]): Compiled {
  const byFile = new Map(all.map((s) => [s.file, s]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, create) => {
    const snippet = byFile.get(fileName);
    return snippet
      ? ts.createSourceFile(fileName, snippet.text, language, true)
      : getSourceFile(fileName, language, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => byFile.has(fileName) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => byFile.get(fileName)?.text ?? readFile(fileName);

  const program = ts.createProgram([...byFile.keys()], options, host);
  const errors = new Map<string, string[]>(all.map((s) => [s.name, []]));
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const snippet of all) {
    const source = program.getSourceFile(snippet.file);
    if (!source) throw new Error(`${snippet.name} was not compiled`);
    const found = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const d of found) {
      const at = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      const where = at < snippet.offset ? 'prelude' : `line ${snippet.line + at - snippet.offset}`;
      errors
        .get(snippet.name)
        ?.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  if (diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(diagnostics, host));
  }
  return { errors, files: program.getSourceFiles().map((f) => f.fileName) };
}

describe('the TypeScript snippets of the README and docs/', () => {
  const all = snippets();
  let compiled: Compiled | undefined;
  const result = () => {
    compiled ??= compile(all);
    return compiled;
  };

  it('are found on the pages', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it('are compiled against the source, not a build in dist/', () => {
    const { files } = result();
    expect(files).toContain(join(ROOT, 'src', 'index.ts'));
    expect(files.filter((f) => f.startsWith(join(ROOT, 'dist')))).toEqual([]);
  });

  for (const snippet of all) {
    it(`${snippet.name} type-checks under strict`, () => {
      expect(result().errors.get(snippet.name)).toEqual([]);
    }, 120_000);
  }
});
