/** One Server-Sent Event: its type (`message` when unnamed), data and last event id. */
export interface ServerEvent {
  readonly type: string;
  readonly data: string;
  readonly id: string;
}

/**
 * The events of a `text/event-stream` body as they arrive, parsed as the HTML standard
 * says: `\n`, `\r\n` or `\r` end lines, `:` starts a comment, several `data:` lines join
 * with `\n`, and `id` carries over to later events until set again. `heard` is called on
 * every chunk received, comments (heartbeats) included.
 */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  heard?: () => void,
): AsyncGenerator<ServerEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let id = '';
  let type = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      heard?.();
      let text = buffer + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
      // A trailing `\r` may be the first half of a `\r\n`: wait for what follows it.
      const held = !done && text.endsWith('\r') ? '\r' : '';
      if (held) text = text.slice(0, -1);
      const lines = text.split(/\r\n|\r|\n/);
      // The last piece is an unfinished line.
      buffer = (lines.pop() ?? '') + held;
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { type: type || 'message', data: data.join('\n'), id };
          type = '';
          data = [];
          continue;
        }
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(text);
        else if (field === 'event') type = text;
        else if (field === 'id' && !text.includes('\0')) id = text;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
