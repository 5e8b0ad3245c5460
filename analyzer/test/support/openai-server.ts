/**
 * An OpenAI-compatible HTTP server for tests, on 127.0.0.1 at a random port: it speaks the real wire protocol
 * (JSON chat completions, server-sent `chat.completion.chunk` events ending in `[DONE]`, embeddings, models) to
 * the real `openai` client. Each test scripts what the "model" does with the request it got, and reads back
 * every request body that reached the server, to check what left the process.
 *
 * Embeddings are deterministic hashed bags of words (`hashedEmbedding`): texts sharing words are close.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** The Authorization header as received, if any. */
  authorization?: string;
  /** The parsed JSON body; the raw text when it is not JSON; undefined without a body. */
  body: unknown;
}

/** The chat completion request as the scripts see it. */
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream: boolean;
  response_format?: { type: string; json_schema?: { name: string; schema?: Record<string, unknown> } };
  [field: string]: unknown;
}

/** What the scripted model does. `delayMs` waits before the response starts. */
export type ChatBehaviour = (
  | { answer: unknown }
  | { content: string }
  | { status: number; message?: string }
  | { raw: string; contentType?: string }
  | { drop: 'before-response' | 'mid-stream' }
) & {
  delayMs?: number;
  /** Streaming: characters of content per chunk (default 8), and the pause between chunks. */
  chunkChars?: number;
  chunkDelayMs?: number;
};

export interface OpenAiServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** The model's behaviour per chat request; default: a fixed empty JSON object answer. */
  chat?: (request: ChatRequest) => ChatBehaviour | Promise<ChatBehaviour>;
  /** Embedding dimensions when the request does not ask (default 64). */
  dimensions?: number;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
}

export interface OpenAiServer {
  /** The base URL for the client, ending with `/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests whose path ends with `path` (e.g. `/chat/completions`). */
  requestsTo(path: string): RecordedRequest[];
  /** Replaces the chat behaviour, e.g. per test. */
  setChat(chat: NonNullable<OpenAiServerOptions['chat']>): void;
  close(): Promise<void>;
}

export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  let chat = options.chat ?? (() => ({ answer: {} }));
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, apiError(String(error), 'server_error'));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path, body: parseBody(text) };
    if (request.headers.authorization !== undefined) recorded.authorization = request.headers.authorization;
    requests.push(recorded);

    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(
        response,
        401,
        apiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      );
    }
    if (request.method === 'GET' && path === '/v1/models') {
      const data = (options.models ?? ['test-model']).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'test',
      }));
      return sendJson(response, 200, { object: 'list', data });
    }
    if (request.method === 'POST' && path === '/v1/embeddings') return embeddings(response, recorded.body);
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const body = recorded.body as ChatRequest;
      if (typeof body !== 'object' || body === null || !Array.isArray(body.messages)) {
        return sendJson(response, 400, apiError('messages is required', 'invalid_request_error'));
      }
      const behaviour = await chat({ ...body, stream: body.stream === true });
      return completion(request, response, body, behaviour);
    }
    sendJson(response, 404, apiError(`no route ${request.method} ${path}`, 'invalid_request_error'));
  }

  function embeddings(response: ServerResponse, body: unknown) {
    const { input, model, dimensions, encoding_format } = (body ?? {}) as Record<string, unknown>;
    const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
    if (texts === undefined || !texts.every((text) => typeof text === 'string')) {
      return sendJson(
        response,
        400,
        apiError('input must be a string or an array of strings', 'invalid_request_error'),
      );
    }
    const size = typeof dimensions === 'number' ? dimensions : (options.dimensions ?? 64);
    const data = texts.map((text, index) => {
      const vector = hashedEmbedding(text, size);
      const embedding =
        encoding_format === 'base64'
          ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
          : Array.from(vector);
      return { object: 'embedding', index, embedding };
    });
    const tokens = texts.reduce((sum, text) => sum + words(text).length, 0);
    sendJson(response, 200, {
      object: 'list',
      data,
      model: typeof model === 'string' ? model : 'test-embedding',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    requestsTo: (path) => requests.filter((request) => request.path.endsWith(path)),
    setChat: (next) => {
      chat = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function completion(
  request: IncomingMessage,
  response: ServerResponse,
  body: ChatRequest,
  behaviour: ChatBehaviour,
): Promise<void> {
  if (behaviour.delayMs) {
    // A client that gives up closes the socket; stop waiting then.
    let onClose = () => {};
    const closed = new Promise<void>((resolve) => {
      onClose = resolve;
    });
    request.socket.once('close', onClose);
    await Promise.race([sleep(behaviour.delayMs), closed]);
    request.socket.off('close', onClose);
    if (request.socket.destroyed) return;
  }
  if ('drop' in behaviour && behaviour.drop === 'before-response') {
    request.socket.destroy();
    return;
  }
  if ('status' in behaviour) {
    return sendJson(response, behaviour.status, apiError(behaviour.message ?? 'scripted failure', 'server_error'));
  }
  if ('raw' in behaviour) {
    response.writeHead(200, { 'content-type': behaviour.contentType ?? 'application/json' });
    response.end(behaviour.raw);
    return;
  }
  const content =
    'answer' in behaviour ? JSON.stringify(behaviour.answer) : 'content' in behaviour ? behaviour.content : '';
  const id = `chatcmpl-${createHash('sha1').update(content).digest('hex').slice(0, 12)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model;

  if (!body.stream) {
    return sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 1, completion_tokens: words(content).length, total_tokens: 1 + words(content).length },
    });
  }

  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const event = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  response.write(event({ role: 'assistant', content: '' }, null));
  const size = behaviour.chunkChars ?? 8;
  const pieces = Array.from({ length: Math.ceil(content.length / size) }, (_, i) =>
    content.slice(i * size, (i + 1) * size),
  );
  const dropAt = 'drop' in behaviour ? Math.floor(pieces.length / 2) : -1;
  for (const [index, piece] of pieces.entries()) {
    if (index === dropAt) {
      request.socket.destroy();
      return;
    }
    if (response.destroyed) return;
    response.write(event({ content: piece }, null));
    if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
  }
  response.write(event({}, 'stop'));
  response.end('data: [DONE]\n\n');
}

/**
 * A deterministic unit vector of `text`: each lower-cased word adds ±1 at a position its hash picks. Texts
 * sharing words get a high cosine similarity; the same text always gets the same vector.
 */
export function hashedEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of words(text)) {
    const hash = createHash('sha256').update(word).digest();
    const position = hash.readUInt32LE(0) % dimensions;
    vector[position] = (vector[position] ?? 0) + ((hash[4] ?? 0) & 1 ? 1 : -1);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dimensions; i += 1) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function apiError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
