/**
 * Server-sent events from a real listening Fastify server to a streaming HTTP client: events arrive before the
 * response ends, heartbeats fill long waits, a client that leaves aborts the work, a failure ends with an error
 * event; and the narrator's deltas streamed end to end from the OpenAI-compatible test server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { replyWithEvents } from '../../src/api/sse.ts';
import { LlmNarrator } from '../../src/llm/narrator.ts';
import { type OpenAiServer, startOpenAiServer } from '../support/openai-server.ts';
import { analysis, goodAnswer } from './llm-fixtures.ts';

interface Received {
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Reads a `text/event-stream` body block by block, as a browser's EventSource would. */
class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next event or comment; undefined at the end of the stream. */
  async next(): Promise<Received | undefined> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return parseBlock(block);
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async rest(): Promise<Received[]> {
    const events: Received[] = [];
    for (let event = await this.next(); event !== undefined; event = await this.next()) events.push(event);
    return events;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

function parseBlock(block: string): Received {
  const received: Received = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) received.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) received.event = line.slice(7);
    else if (line.startsWith('data: ')) received.data = JSON.parse(line.slice(6));
  }
  return received;
}

describe('server-sent events', () => {
  let app: FastifyInstance;
  let base: string;
  let llm: OpenAiServer;
  let release: () => void = () => {};
  const gate = () =>
    new Promise<void>((resolve) => {
      release = resolve;
    });
  let leftAt: Promise<boolean> = Promise.resolve(false);

  before(async () => {
    llm = await startOpenAiServer({ chat: () => ({ answer: goodAnswer(), chunkChars: 6, chunkDelayMs: 3 }) });
    app = Fastify({ logger: false });
    app.get('/events', (request, reply) =>
      replyWithEvents(request, reply, async (events) => {
        const waiting = gate();
        events.send('first', { n: 1, text: 'line one\nline two' });
        await waiting;
        events.send('second', { n: 2 });
      }),
    );
    app.get('/slow', (request, reply) =>
      replyWithEvents(
        request,
        reply,
        async (events) => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          events.send('done', true);
        },
        { heartbeatMs: 40 },
      ),
    );
    app.get('/leave', (request, reply) =>
      replyWithEvents(request, reply, async (events) => {
        events.send('started', {});
        leftAt = new Promise<boolean>((resolve) => {
          events.signal.addEventListener('abort', () => resolve(true));
          setTimeout(() => resolve(false), 2000);
        });
        await leftAt;
      }),
    );
    app.get('/fails', (request, reply) =>
      replyWithEvents(request, reply, async (events) => {
        events.send('started', {});
        throw new Error('secret internal detail');
      }),
    );
    app.get('/narrate', (request, reply) =>
      replyWithEvents(request, reply, async (events) => {
        const narrator = new LlmNarrator({ baseUrl: llm.url, model: 'm', timeoutMs: 5000, redactIps: true });
        const result = await narrator.narrate(analysis(), {
          signal: events.signal,
          onDelta: (text) => events.send('delta', { text }),
        });
        events.send('narration', result);
      }),
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await llm.close();
  });

  it('delivers each event before the response ends', async () => {
    const response = await fetch(`${base}/events`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
    const reader = new EventReader(response.body as ReadableStream<Uint8Array>);
    // The server holds the stream open until released: this event can only come from a stream still going.
    assert.deepEqual(await reader.next(), { event: 'first', data: { n: 1, text: 'line one\nline two' } });
    release();
    assert.deepEqual(await reader.rest(), [{ event: 'second', data: { n: 2 } }]);
  });

  it('sends heartbeat comments while nothing else is sent', async () => {
    const response = await fetch(`${base}/slow`);
    const events = await new EventReader(response.body as ReadableStream<Uint8Array>).rest();
    const heartbeats = events.filter((event) => event.comment === 'heartbeat').length;
    assert.ok(heartbeats >= 2, `${heartbeats} heartbeats`);
    assert.deepEqual(events.at(-1), { event: 'done', data: true });
  });

  it('aborts the work when the client goes away', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/leave`, { signal: controller.signal });
    const reader = new EventReader(response.body as ReadableStream<Uint8Array>);
    assert.equal((await reader.next())?.event, 'started');
    controller.abort();
    assert.equal(await leftAt, true);
  });

  it('ends a failed stream with an error event that keeps the details in the log', async () => {
    const response = await fetch(`${base}/fails`);
    const events = await new EventReader(response.body as ReadableStream<Uint8Array>).rest();
    assert.equal(events.length, 2);
    assert.equal(events[1]?.event, 'error');
    assert.equal((events[1]?.data as { statusCode?: number } | undefined)?.statusCode, 500);
    assert.ok(!JSON.stringify(events).includes('secret internal detail'));
  });

  it('streams the narrator deltas to the client, then the narration they add up to', async () => {
    const response = await fetch(`${base}/narrate`);
    const events = await new EventReader(response.body as ReadableStream<Uint8Array>).rest();
    const deltas = events.filter((event) => event.event === 'delta');
    const last = events.at(-1);
    assert.equal(last?.event, 'narration');
    const narration = last?.data as { source: string; narrative: string };
    assert.equal(narration.source, 'llm');
    assert.ok(deltas.length > 5);
    assert.equal(deltas.map((event) => (event.data as { text: string }).text).join(''), narration.narrative);
  });
});
