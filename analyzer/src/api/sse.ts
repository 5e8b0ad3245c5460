/**
 * Answering a request with server-sent events: `text/event-stream`, each event an `event:` line and one `data:`
 * line of JSON written at once, comment heartbeats while nothing else is sent (proxies close idle connections),
 * a clean end, and a signal that aborts when the client goes away so that the work behind the stream stops.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.ts';

export interface EventSink {
  /** Sends one event; `data` goes as JSON. Does nothing once the client is gone. */
  send(event: string, data: unknown): void;
  /** Aborts when the client disconnects before the stream ends. */
  readonly signal: AbortSignal;
}

export interface EventStreamOptions {
  /** A heartbeat comment goes out after this long without an event (default 15 s). */
  heartbeatMs?: number;
}

const EVENT_NAME = /^[\w.-]+$/;

/**
 * Hands the response to `produce` as an event stream and ends it when `produce` settles. A failure becomes a
 * last `error` event in the API's one error shape, its details in the log only.
 */
export async function replyWithEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  produce: (events: EventSink) => Promise<void>,
  options: EventStreamOptions = {},
): Promise<void> {
  reply.hijack();
  const response = reply.raw;
  const headers: Record<string, string> = {};
  // Headers set before the stream began (by hooks, e.g. CORS) still apply; hijacking skips Fastify's sending.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = String(value);
  }
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to; events must arrive as they are sent.
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();

  const gone = new AbortController();
  const onClose = () => {
    if (!response.writableEnded) gone.abort();
  };
  response.on('close', onClose);
  const write = (text: string) => {
    if (gone.signal.aborted || response.writableEnded || response.destroyed) return;
    response.write(text);
    heartbeat.refresh();
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? 15_000);

  const sink: EventSink = {
    signal: gone.signal,
    send(event, data) {
      if (!EVENT_NAME.test(event)) throw new Error(`invalid event name ${JSON.stringify(event)}`);
      // JSON escapes line breaks, so the data is always one line.
      write(`event: ${event}\ndata: ${JSON.stringify(data) ?? 'null'}\n\n`);
    },
  };
  try {
    await produce(sink);
  } catch (error) {
    request.log.error({ err: error }, 'event stream failed');
    sink.send('error', errorBody(500, 'INTERNAL', 'internal error; the analyzer log has the details'));
  } finally {
    clearInterval(heartbeat);
    response.off('close', onClose);
    if (!response.writableEnded && !response.destroyed) response.end();
  }
}
