/** The OpenAI-compatible test server through the real `openai` client: embeddings, models, the bearer check. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { AuthenticationError } from 'openai';
import { hashedEmbedding, type OpenAiServer, startOpenAiServer } from '../support/openai-server.ts';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

describe('OpenAI-compatible test server', () => {
  let server: OpenAiServer;
  let client: OpenAI;
  before(async () => {
    server = await startOpenAiServer({ apiKey: 'test-key', dimensions: 32, models: ['a', 'b'] });
    client = new OpenAI({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0, logLevel: 'off' });
  });
  after(() => server.close());

  it('embeds a string or an array, deterministic unit vectors, in the default base64 encoding too', async () => {
    const texts = [
      'redis rejects writes at maxmemory',
      'redis maxmemory reached, writes rejected',
      'kafka consumer lag',
    ];
    const response = await client.embeddings.create({ model: 'e', input: texts });
    assert.equal(response.data.length, 3);
    const [a, b, c] = response.data.map((item) => item.embedding);
    assert.ok(a && b && c);
    assert.equal(a.length, 32);
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-6);
    assert.ok(cosine(a, b) > cosine(a, c), 'texts sharing words are closer');
    assert.deepEqual(Array.from(a), Array.from(hashedEmbedding(texts[0] ?? '', 32)));
    // The client asks for base64 unless told otherwise; floats as asked.
    const [request] = server.requestsTo('/embeddings');
    assert.equal((request?.body as { encoding_format?: string } | undefined)?.encoding_format, 'base64');
    const floats = await client.embeddings.create({
      model: 'e',
      input: texts[0] ?? '',
      encoding_format: 'float',
      dimensions: 8,
    });
    assert.deepEqual(floats.data[0]?.embedding, Array.from(hashedEmbedding(texts[0] ?? '', 8)));
  });

  it('lists its models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    assert.deepEqual(models, ['a', 'b']);
  });

  it('refuses a wrong key with 401, and records the request all the same', async () => {
    const wrong = new OpenAI({ baseURL: server.url, apiKey: 'other', maxRetries: 0, logLevel: 'off' });
    await assert.rejects(wrong.embeddings.create({ model: 'e', input: 'x' }), AuthenticationError);
    assert.equal(server.requests.at(-1)?.authorization, 'Bearer other');
  });
});
