import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../src/http/index.js';
import { backends } from './support/backends.js';
import { closedPort } from './support/closed-port.js';
import { closed, openSocket, received } from './support/raw-http.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// The serve flags of a fresh database of `backend`, removed after the test.
function databaseFor(backend: (typeof backends)[number]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-serve-'));
  dirs.push(dir);
  const { args, cleanup } = backend.serveDatabase(dir);
  cleanups.push(cleanup);
  return args;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-serve-'));
  dirs.push(dir);
  return dir;
}

/** Stops every server started so far and waits for each to exit. */
async function stopAll(): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** The exit code of `child`, or the signal that killed it. */
function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

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

for (const backend of backends) {
  it(`noclobber serve on ${backend.name}: a ready document server with ETags`, async () => {
    const args = databaseFor(backend);
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

for (const backend of backends) {
  it(`noclobber serve on ${backend.name}: documents are served after a restart, their collections known from the database`, async () => {
    const args = databaseFor(backend);
    const collection = `notes${randomUUID().slice(0, 8)}`;
    const first = await start(args);
    const created = await fetch(`${first}${collection}/a`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-none-match': '*' },
      body: JSON.stringify({ text: 'kept' }),
    });
    expect(created.status).toBe(201);
    await stopAll();
    const second = await start(args);
    const got = await fetch(`${second}${collection}/a`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ text: 'kept' });
    const feed = await fetch(`${second}${collection}/_changes`);
    expect(((await feed.json()) as { changes: unknown[] }).changes).toHaveLength(1);
  }, 60_000);
}

it('noclobber serve with a PostgreSQL it cannot use exits 1 with the reason, never serving', async () => {
  const port = await closedPort();
  const failed = await start(['--postgres', `postgres://postgres:secret@127.0.0.1:${port}/test`])
    .then(() => 'served')
    .catch((error: Error) => error.message);
  expect(failed).toMatch(/exited with 1/);
  expect(failed).toMatch(/cannot use the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
  expect(failed).toMatch(/ECONNREFUSED|refused/i);
  expect(failed).not.toMatch(/serving|secret/);
}, 60_000);

it('noclobber serve refuses bad options', async () => {
  await expect(start(['--port', 'eighty'])).rejects.toThrow(/exited with 2/);
  await expect(start(['--db', 'a.db', '--postgres', 'postgres://x'])).rejects.toThrow(/not both/);
  await expect(start(['--db', 'a.db', '--schema', 'app'])).rejects.toThrow(/--schema goes with/);
});

/**
 * `noclobber serve` on a fresh SQLite database with the given shutdown deadline, and a PUT
 * whose body trickles in: in flight (its headers read, so not an idle connection that
 * closing would drop at once) until `stop()` or the server cuts it.
 */
async function serveWithUpload(shutdownSeconds: string) {
  const url = await start([
    '--db',
    join(tempDir(), 'a.db'),
    '--shutdown-timeout',
    shutdownSeconds,
    '--body-timeout',
    '600',
  ]);
  const child = children.at(-1) as ChildProcess;
  const socket = await openSocket(Number(new URL(url).port));
  socket.on('error', () => {});
  socket.write(
    'PUT /notes/a HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n',
  );
  const answer = received(socket);
  await answer.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
  const trickle = setInterval(() => socket.writable && socket.write('1\r\n \r\n'), 100);
  return { child, socket, answer, stop: () => clearInterval(trickle) };
}

it('noclobber serve after SIGTERM gives a trickling client until the shutdown deadline, then exits', async () => {
  const { child, socket, answer, stop } = await serveWithUpload('1');
  const exited = exitOf(child);
  child.kill('SIGTERM');
  // The request would trickle for ten minutes: the process ends at its deadline instead,
  // cutting the request without an answer.
  expect(await exited).toBe(0);
  await closed(socket);
  stop();
  expect(answer.text()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
}, 30_000);

// A second signal of either kind, while a request in flight holds the shutdown open for
// ten minutes, ends the process at once with 128 + that signal's number.
for (const [first, second, status] of [
  ['SIGTERM', 'SIGINT', 130],
  ['SIGTERM', 'SIGTERM', 143],
  ['SIGINT', 'SIGINT', 130],
  ['SIGINT', 'SIGTERM', 143],
] as const) {
  it(`noclobber serve exits ${status} at once on a ${second} during the shutdown a ${first} began`, async () => {
    const { child, stop } = await serveWithUpload('600');
    const stderr = received(child.stderr as Readable);
    const exited = exitOf(child);
    child.kill(first);
    // Sent only once the first is handled, so the two are never merged into one.
    await stderr.until(new RegExp(`${first}: shutting down`));
    child.kill(second);
    expect(await exited).toBe(status);
    expect(stderr.text()).toMatch(new RegExp(`${second} again: exiting now`));
    stop();
  }, 30_000);
}

it('noclobber serve exits 0 on a SIGTERM sent the moment it prints its URL', async () => {
  // The signal races the end of the start-up, so a few servers are stopped that way.
  for (let i = 0; i < 3; i++) {
    await start(['--db', join(tempDir(), 'a.db')]);
    const child = children.at(-1) as ChildProcess;
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}, 60_000);

it('noclobber serve after SIGTERM ends open event streams at once, not at the shutdown deadline', async () => {
  // A deadline past the test's own timeout: only streams ended at once let the test pass.
  const url = await start(['--db', join(tempDir(), 'a.db'), '--shutdown-timeout', '600']);
  const child = children.at(-1) as ChildProcess;
  const stream = await fetch(`${url}notes/_changes`, { headers: { accept: 'text/event-stream' } });
  expect(stream.status).toBe(200);
  const exited = exitOf(child);
  child.kill('SIGTERM');
  // The stream ends cleanly (its body finishes, no error), and the process exits 0.
  expect((await stream.text()).replaceAll(': heartbeat\n\n', '')).toBe('');
  expect(await exited).toBe(0);
}, 45_000);

for (const backend of backends) {
  it(`noclobber serve on ${backend.name} on a port already taken exits 1 with one line saying why`, async () => {
    const args = databaseFor(backend);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const failed = await start([...args, '--port', String(port)])
      .then(() => 'served')
      .catch((error: Error) => error.message);
    expect(failed).toMatch(/exited with 1/);
    expect(failed).toMatch(
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`),
    );
    // One line saying why, not a stack trace.
    expect(failed).not.toMatch(/\n\s+at /);
  }, 60_000);
}

it('noclobber serve refuses a non-loopback address or a tenant header without credentials', async () => {
  await expect(start(['--host', '0.0.0.0'])).rejects.toThrow(
    /refusing to serve 0\.0\.0\.0 without credentials/,
  );
  await expect(start(['--tenant-header', 'x-tenant'])).rejects.toThrow(
    /--tenant-header without --auth/,
  );
});

it('noclobber serve --auth: API keys from the file, a 401 without one, one access-log line per request', async () => {
  const dir = tempDir();
  const key = generateApiKey();
  const file = join(dir, 'auth.json');
  writeFileSync(
    file,
    JSON.stringify({
      apiKeys: [{ id: 'ci', hash: hashApiKey(key), tenant: 'acme', role: 'write' }],
    }),
  );
  const url = await start(['--db', join(dir, 'a.db'), '--auth', file, '--host', '0.0.0.0']);
  const local = url.replace('0.0.0.0', '127.0.0.1');
  expect((await fetch(`${local}notes/a`)).status).toBe(401);
  const put = await fetch(`${local}notes/a`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'if-none-match': '*',
    },
    body: '{"text":"hi"}',
  });
  expect(put.status).toBe(201);
  const child = children.at(-1) as ChildProcess;
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  await fetch(`${local}notes/a`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(output).toMatch(
    /"method":"GET","path":"\/notes\/a","status":200.*"tenant":"acme","credential":"ci"/,
  );
}, 60_000);
