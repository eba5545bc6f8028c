import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** The status line and raw text of an answer read off a socket. */
export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * Sends `request` (raw HTTP/1.1 text, exactly these bytes: no header is normalized as
 * fetch would) to 127.0.0.1:`port` and reads the answer until the server closes.
 */
export function rawRequest(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += String(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({ status: Number(/^HTTP\/1\.\d (\d{3})/.exec(text)?.[1]), text }),
    );
    socket.write(request);
  });
}

/** A connection to 127.0.0.1:`port`, resolved once open. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves when `socket` closes (the server cut it or answered and closed). */
export const closed = (socket: Socket): Promise<void> =>
  new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

/**
 * What `stream` (a socket, a child's stderr) receives: `until` resolves once the text so
 * far matches `pattern`, and rejects if the stream closes first.
 */
export function received(stream: Readable): {
  until(pattern: RegExp): Promise<void>;
  text(): string;
} {
  let text = '';
  stream.on('data', (chunk) => {
    text += String(chunk);
  });
  const until = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(text)) return;
        stream.off('data', check).off('close', fail);
        resolve();
      };
      const fail = () => reject(new Error(`closed before ${pattern}: ${JSON.stringify(text)}`));
      stream.on('data', check).once('close', fail);
      check();
    });
  return { until, text: () => text };
}
