import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository: what `npm pack` packs and where the drivers are installed. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The TypeScript compiler of this repository, to check a consumer's program with. */
export const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** The drivers, optional peer dependencies that an application installs itself. */
export const DRIVERS = ['pg', 'better-sqlite3'] as const;

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

// Child processes run without the npm_* variables that `npm test` sets for this
// repository, so a consumer's npm never takes this repository's settings as its own.
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
}

/** Runs `npm pack` on this repository (which builds it) and returns the tarball's path. */
export async function pack(destination: string): Promise<string> {
  execFileSync('npm', ['pack', '--pack-destination', destination], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: 'pipe',
  });
  const [tarball] = (await readdir(destination)).filter((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${destination}`);
  return join(destination, tarball);
}

/**
 * Makes `dir` a fresh project that depends on the packed `tarball` and installs it with
 * `npm ci --offline`: the project's lock holds the tarball and, copied from this
 * repository's lock, the runtime dependencies (the entries not marked dev or optional),
 * whose tarballs this repository's `npm install` left in the npm cache. So nothing is
 * fetched, and npm still lays out node_modules and the `noclobber` bin as for any user.
 * The drivers are then linked from this repository, where they are already compiled.
 */
export async function installConsumer(dir: string, tarball: string): Promise<void> {
  const manifest = JSON.parse(
    execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as Record<string, unknown>;
  const repoLock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512')
    .update(await readFile(tarball))
    .digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { noclobber: spec } },
    'node_modules/noclobber': {
      version: manifest.version,
      resolved: spec,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (!path.startsWith('node_modules/')) continue;
    if (entry.dev || entry.optional || entry.devOptional) continue;
    packages[path] = entry;
  }
  await mkdir(dir, { recursive: true });
  const pkg = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: { noclobber: spec },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const lock = { name: 'consumer', lockfileVersion: 3, requires: true, packages };
  await writeFile(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: cleanEnv(),
    stdio: 'pipe',
  });
  for (const driver of DRIVERS) {
    await symlink(join(ROOT, 'node_modules', driver), join(dir, 'node_modules', driver), 'dir');
  }
}
