import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMONJS, EVERY_ENTRY, LOAD, NO_TYPES_NEEDED, NODE10 } from './consumer-programs.js';
import { cleanEnv, DRIVERS, installConsumer, pack, ROOT, TSC } from './consumer-project.js';

// The package as a stranger gets it: `npm pack`, installed into a fresh project, then
// type-checked, run, required and loaded without its optional drivers.

let dir: string;
let project: string;
let tarball: string;
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

function run(command: string, args: string[], cwd = project) {
  const result = spawnSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Writes a tsconfig named `name` for `file` and runs this repository's tsc on it.
async function typecheck(name: string, file: string, options: Record<string, unknown>) {
  const compilerOptions = {
    strict: true,
    target: 'es2022',
    skipLibCheck: false,
    noEmit: true,
    ...options,
  };
  await writeFile(join(project, name), JSON.stringify({ compilerOptions, files: [file] }));
  return run(process.execPath, [TSC, '-p', name]);
}

// Node.js's own types, as any TypeScript project on Node has them: noclobber/http names them.
const NODE_TYPES = { typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'noclobber-consumer-'));
  project = join(dir, 'app');
  tarball = await pack(dir);
  await installConsumer(project, tarball);
  await writeFile(join(project, 'every-entry.ts'), EVERY_ENTRY);
  await writeFile(join(project, 'no-types.ts'), NO_TYPES_NEEDED);
  await writeFile(join(project, 'node10.ts'), NODE10);
  await writeFile(join(project, 'commonjs.cjs'), COMMONJS);
  await writeFile(join(project, 'load.mjs'), LOAD);
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the packed tarball', () => {
  let files: string[];
  beforeAll(() => {
    files = run('tar', ['-tzf', tarball], dir)
      .stdout.split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
  });

  it('holds the license, the README and every file package.json points at', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((e) =>
        typeof e === 'string' ? [e] : Object.values(e as object),
      ),
      ...Object.values(manifest.typesVersions['*']).flat(),
    ] as string[];
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
  });

  it('ships no source maps (their sources are not shipped) and no declarations of the CLI', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/cli/') && f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('dist/cli/main.js');
  });
});

describe('a fresh project with the tarball and both drivers installed', () => {
  it('type-checks every entry point (strict, nodenext, skipLibCheck off) and runs a SQLite insert and get', async () => {
    const check = await typecheck('tsconfig.json', 'every-entry.ts', {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      noEmit: false,
      outDir: 'out',
      ...NODE_TYPES,
    });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    const result = run(process.execPath, ['out/every-entry.js']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      read: { id: 'order-1', lines: ['tea'] },
      revision: 1,
      one: { one: 1 },
      refused: 'INVALID_ARGUMENT',
      poolConfig: { host: '127.0.0.1', connectionTimeoutMillis: 1000 },
      judged: 'notFound',
      backendName: 'sqlite',
      loaded: Array(8).fill('function'),
    });
  });

  it('type-checks noclobber, /sqlite, /postgres and /testing with no @types package at all', async () => {
    const check = await typecheck('tsconfig.no-types.json', 'no-types.ts', {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: [],
    });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('finds the types of every subpath under moduleResolution node10', async () => {
    const check = await typecheck('tsconfig.node10.json', 'node10.ts', {
      module: 'commonjs',
      moduleResolution: 'node10',
      ...NODE_TYPES,
    });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('loads every entry point from CommonJS with require()', () => {
    const result = run(process.execPath, ['commonjs.cjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      read: { id: 'order-1', lines: ['tea'] },
      version,
      loaded: ['function', 'function', 'function'],
    });
  });

  it('has a noclobber bin that tells its version', () => {
    const result = run(join(project, 'node_modules/.bin/noclobber'), ['--version']);
    expect(result).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });
});

// Last: it removes the drivers from the project.
describe('the same project without the optional drivers', () => {
  beforeAll(async () => {
    for (const driver of DRIVERS) await unlink(join(project, 'node_modules', driver));
  });

  const load = (entry: string) => JSON.parse(run(process.execPath, ['load.mjs', entry]).stdout);

  it('loads noclobber, noclobber/http, noclobber/testing and noclobber/backend: none of them loads a driver', () => {
    for (const entry of ['noclobber', 'noclobber/http', 'noclobber/testing', 'noclobber/backend']) {
      expect(load(entry)).toEqual({ loaded: true });
    }
  });

  it('refuses to load each backend with an error naming its driver and how to install it', () => {
    expect(load('noclobber/postgres')).toEqual({
      loaded: false,
      code: 'MISSING_DRIVER',
      name: 'MissingDriverError',
      message:
        "noclobber/postgres needs the 'pg' package, which is not installed. Install it with: npm install pg",
    });
    expect(load('noclobber/sqlite')).toMatchObject({
      loaded: false,
      code: 'MISSING_DRIVER',
      message: expect.stringContaining('Install it with: npm install better-sqlite3'),
    });
  });

  it('still answers --version and --help, and says what the demo needs', () => {
    const bin = join(project, 'node_modules/.bin/noclobber');
    expect(run(bin, ['--version']).stdout).toBe(`${version}\n`);
    const help = run(bin, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('demo   (not available: npm install better-sqlite3)');
    const demo = run(bin, ['demo']);
    expect(demo.status).toBe(1);
    expect(demo.stderr).toContain('npm install better-sqlite3');
  });
});
