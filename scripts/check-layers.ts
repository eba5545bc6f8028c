/**
 * Fails (exit 1) when an import inside src/ breaks the layer rule or closes a cycle.
 *
 * The rule (docs/architecture.md says why): each folder of src/ is a layer and may import
 * only the layers listed for it below; imports inside one folder are free, but no set of
 * modules may import each other in a circle. Type-only imports count like any other: they
 * do not run, but they are knowledge of another layer's shapes all the same, and a type
 * cycle is a design cycle that becomes a runtime one at the first value someone imports
 * along it. One graph, one rule, no exceptions to remember.
 *
 * Run with `npx tsx scripts/check-layers.ts` (part of `npm run lint`). Uses the TypeScript
 * compiler's parser, so imports in comments or strings never count and every form counts:
 * `import`, `import type`, `export … from`, `import()` and `import('…').T` types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/**
 * Which layers each layer may import, lowest first. `backends/*` is every backend's own
 * folder; `.` is the files at the top of src/ (the public entry).
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  observe: ['core'],
  concurrency: ['core'],
  query: ['concurrency', 'core'],
  'backends/kit': ['query', 'concurrency', 'core'],
  'backends/*': ['backends/kit', 'core'],
  store: ['backends/kit', 'observe', 'query', 'concurrency', 'core'],
  events: ['store', 'backends/kit', 'observe', 'concurrency', 'core'],
  http: ['events', 'store', 'query', 'concurrency', 'core'],
  testing: ['events', 'store', 'backends/kit', 'concurrency', 'core'],
  '.': ['events', 'store', 'backends/kit', 'observe', 'query', 'concurrency', 'core'],
  'backends/kit/conformance': ['.', 'http', 'backends/kit', 'core'],
  cli: ['.', 'http', 'events', 'store', 'backends/*', 'backends/kit', 'core'],
  // Runs in browsers too: only the pure parts (merge, patches) and the core's types.
  client: ['concurrency', 'core'],
};

/** The layer a file of src/ belongs to, from its path relative to src/. */
export function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  if (parts[0] === 'backends') {
    if (parts[1] === 'kit')
      return parts[2] === 'conformance' ? 'backends/kit/conformance' : 'backends/kit';
    return parts.length === 2 ? 'backends/kit' : 'backends/*';
  }
  return parts[0] as string;
}

function allowed(from: string, to: string, fromFile: string, toFile: string): boolean {
  if (from === to) {
    // Two backends are one layer by name only: neither may import the other.
    return from !== 'backends/*' || fromFile.split('/')[1] === toFile.split('/')[1];
  }
  return LAYERS[from]?.includes(to) ?? false;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier `file` names, by any form of import or re-export. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The graph of src/: file (relative to src/) to the files of src/ it imports. */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of sourceFiles(SRC)) {
    const targets = specifiers(path)
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(SRC, resolve(dirname(path), s)).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, path), [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!order.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, order.get(next) as number));
      }
    }
    if (low.get(node) !== order.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!order.has(node)) connect(node);
  return found;
}

/** Every import that breaks the layer rule, as "from -> to (layer -> layer)". */
export function violations(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (to.startsWith('..')) {
        found.push(`${from} -> ${to} (outside src/)`);
        continue;
      }
      const a = layerOf(from);
      const b = layerOf(to);
      if (!allowed(a, b, from, to)) found.push(`${from} -> ${to} (${a} may not import ${b})`);
    }
  }
  return found.sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const broken = violations(graph);
  const circles = cycles(graph);
  for (const line of broken) console.error(`layer: ${line}`);
  for (const circle of circles) console.error(`cycle: ${circle.join(' <-> ')}`);
  if (broken.length > 0 || circles.length > 0) {
    console.error(
      `check-layers: ${broken.length} imports across layers, ${circles.length} cycles (rule: scripts/check-layers.ts)`,
    );
    process.exit(1);
  }
  console.log(`check-layers: ${graph.size} modules, no cycles, every import within the layer rule`);
}
