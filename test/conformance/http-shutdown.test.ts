import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import {
  closeGracefully,
  createHandler,
  createLimitedServer,
  toNodeListener,
} from '../../src/http/index.js';
import { order } from '../support/model.js';
import { closed, openSocket, received } from '../support/raw-http.js';
import { describeConformance } from './fixture.js';

// Longer than any test runs: a connection the server closes was closed by the shutdown,
// never by the keep-alive timeout or the deadline.
const NEVER = 600_000;

/** A server on a loopback port for `listener`, keeping idle connections open for `NEVER`. */
async function listening(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; socket: Socket }> {
  const server = createLimitedServer(listener, { keepAliveTimeout: NEVER });
  // Whatever the test left open (a failed one its connections) is cut, not waited for.
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = await openSocket((server.address() as AddressInfo).port);
  socket.on('error', () => {});
  return { server, socket };
}

it('closeGracefully closes a keep-alive connection as soon as its response finishes, not at the keep-alive timeout', async () => {
  let requested = () => {};
  const arrived = new Promise<void>((resolve) => {
    requested = resolve;
  });
  let answer = () => {};
  const { server, socket } = await listening((_req, res) => {
    answer = () => res.end('done');
    requested();
  });
  const reply = received(socket);
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
  // In flight when the shutdown begins: not idle, so not closed at its start.
  await arrived;
  const stopped = closeGracefully(server, NEVER);
  answer();
  // The answer arrives whole, then the server hangs up, long before the keep-alive timeout.
  await closed(socket);
  expect(reply.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ndone$/);
  expect(await stopped).toBe(true);
}, 30_000);

describeConformance('http: a closing server and its event streams', (fixture) => {
  it('an event stream ended by the shutdown gets its last chunk, then its connection is closed', async () => {
    const f = fixture();
    const closing = new AbortController();
    const handler = createHandler(f.store, {
      collections: [f.c.orders],
      closing: closing.signal,
      eventsHeartbeat: NEVER,
    });
    const { server, socket } = await listening(toNodeListener(handler));
    const reply = received(socket);
    socket.write(
      'GET /orders/_changes HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n',
    );
    await f.store.insert(f.c.orders, order('o1'));
    await reply.until(/event: change\n/);
    closing.abort();
    const stopped = closeGracefully(server, NEVER);
    // The stream ends cleanly (the last chunk of its body) and the connection, idle from
    // then on, is closed by the server rather than kept alive.
    await closed(socket);
    expect(reply.text()).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*event: change\n[\s\S]*\r\n0\r\n\r\n$/,
    );
    expect(await stopped).toBe(true);
  }, 30_000);
});
