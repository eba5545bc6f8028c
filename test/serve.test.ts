import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, inject, it } from 'vitest';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts `noclobber serve` with `args` and resolves to the URL it prints. */
function start(args: string[]): Promise<string> {
  // One process (node with tsx's loader), so killing it leaves nothing behind.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      const url = /http:\/\/\S+\//.exec(output)?.[0];
      if (url) resolve(url);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  it(`noclobber serve on ${backend}: a ready document server with ETags`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'noclobber-serve-'));
    dirs.push(dir);
    const args =
      backend === 'sqlite' ? ['--db', join(dir, 'data.db')] : ['--postgres', inject('postgresUrl')];
    const url = await start(args);
    const id = randomUUID();
    const put = (headers: Record<string, string>, body: unknown) =>
      fetch(`${url}notes/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const created = await put({ 'if-none-match': '*' }, { text: 'one' });
    expect(created.status).toBe(201);
    expect((await put({ 'if-match': '"1"' }, { text: 'two' })).status).toBe(200);
    expect((await put({ 'if-match': '"1"' }, { text: 'stale' })).status).toBe(412);
    expect((await put({}, { text: 'blind' })).status).toBe(428);
    const got = await fetch(`${url}notes/${id}`);
    expect(got.headers.get('etag')).toBe('"2"');
    expect(await got.json()).toMatchObject({ id, text: 'two' });
  }, 60_000);
}

it('noclobber serve refuses bad options', async () => {
  await expect(start(['--port', 'eighty'])).rejects.toThrow(/exited with 2/);
  await expect(start(['--db', 'a.db', '--postgres', 'postgres://x'])).rejects.toThrow(/not both/);
});
