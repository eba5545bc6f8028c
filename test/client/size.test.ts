import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

it('noclobber/client bundles for browsers with no Node built-in, at most 10 KB minified and gzipped', async () => {
  // platform 'browser' fails the build on any `node:` import.
  const result = await build({
    entryPoints: [join(ROOT, 'src/client/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = (result.outputFiles[0] as { contents: Uint8Array }).contents;
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((file) => !/^src\/(client|concurrency|core)\//.test(file))).toEqual([]);
  expect(gzipSync(code).length).toBeLessThanOrEqual(10 * 1024);
});
