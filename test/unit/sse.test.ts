import { describe, expect, it } from 'vitest';
import { readEvents, type ServerEvent } from '../../src/client/sse.js';

// A body that arrives in exactly these chunks.
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function events(chunks: string[]): Promise<ServerEvent[]> {
  const found: ServerEvent[] = [];
  for await (const event of readEvents(body(chunks))) found.push(event);
  return found;
}

describe('readEvents', () => {
  it('parses named events with ids, skipping comments and heartbeats', async () => {
    expect(
      await events([': heartbeat\n\nevent: change\nid: 7\ndata: {"a":1}\n\n', 'data: x\n\n']),
    ).toEqual([
      { type: 'change', data: '{"a":1}', id: '7' },
      { type: 'message', data: 'x', id: '7' },
    ]);
  });

  it('takes \\r\\n, \\r and \\n line ends, even a \\r\\n split across two chunks', async () => {
    expect(
      await events(['event: change\r', '\nid: 1\r', '\ndata: a\r\r', 'id: 2\rdata: b\n\n']),
    ).toEqual([
      { type: 'change', data: 'a', id: '1' },
      { type: 'message', data: 'b', id: '2' },
    ]);
  });

  it('joins several data lines with \\n, keeps a multi-byte character split across chunks, and drops an unfinished event', async () => {
    const bytes = new TextEncoder().encode('data: é\ndata:two\n\ndata: cut');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7));
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    const found: ServerEvent[] = [];
    for await (const event of readEvents(stream)) found.push(event);
    expect(found).toEqual([{ type: 'message', data: 'é\ntwo', id: '' }]);
  });
});
