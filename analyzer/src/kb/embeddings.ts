/**
 * Vectors for texts from any OpenAI-compatible embeddings endpoint (OpenAI, Azure, Ollama, vLLM, …).
 * Failures are EmbeddingsErrors naming the endpoint (never the key), so that search can fall back to
 * full text and say why.
 */
import OpenAI from 'openai';

export interface EmbeddingsSettings {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export class EmbeddingsError extends Error {
  override name = 'EmbeddingsError';
}

/** Inputs per request: endpoints cap a batch (OpenAI at 2048, some local servers far lower). */
const BATCH = 64;

export class EmbeddingsClient {
  readonly model: string;
  readonly endpoint: string;
  readonly #client: OpenAI;

  constructor(settings: EmbeddingsSettings) {
    this.model = settings.model;
    this.endpoint = withoutCredentials(settings.baseUrl);
    this.#client = new OpenAI({
      baseURL: settings.baseUrl,
      // Never fall back to OPENAI_API_KEY from the environment: that key is not meant for this endpoint.
      apiKey: settings.apiKey ?? 'unused',
      timeout: settings.timeoutMs,
      // A search waits on the query's vector: one failed attempt means full text, not a long backoff.
      maxRetries: 0,
    });
  }

  /** One vector per text, in order; all of one length. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH) {
      vectors.push(...(await this.#batch(texts.slice(start, start + BATCH))));
    }
    const length = vectors[0]?.length;
    if (vectors.some((vector) => vector.length !== length || vector.length === 0)) {
      throw new EmbeddingsError(`embeddings: ${this.endpoint} returned vectors of different or zero length`);
    }
    return vectors;
  }

  async #batch(input: string[]): Promise<Float32Array[]> {
    let response: Awaited<ReturnType<OpenAI['embeddings']['create']>>;
    try {
      response = await this.#client.embeddings.create({ model: this.model, input, encoding_format: 'float' });
    } catch (error) {
      throw new EmbeddingsError(`embeddings: ${this.endpoint} failed: ${describe(error)}`);
    }
    const data = Array.isArray(response?.data) ? response.data : [];
    const vectors = new Array<Float32Array | undefined>(input.length).fill(undefined);
    for (const item of data) {
      if (Number.isInteger(item.index) && item.index >= 0 && item.index < input.length && isNumbers(item.embedding)) {
        vectors[item.index] = Float32Array.from(item.embedding);
      }
    }
    const missing = vectors.indexOf(undefined);
    if (missing >= 0) {
      throw new EmbeddingsError(
        `embeddings: ${this.endpoint} answered without a numeric vector for input ${missing} of ${input.length}`,
      );
    }
    return vectors as Float32Array[];
  }
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href.replace(/\/+$/, '');
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number' && Number.isFinite(item));
}

/** The reason without the request: status and message, or the network cause (connection refused…). */
function describe(error: unknown): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timed out';
  if (error instanceof OpenAI.APIError) {
    const cause = (error.cause as { cause?: { code?: string }; message?: string } | undefined) ?? undefined;
    const code = cause?.cause?.code;
    if (error.status === undefined) return code ? `cannot connect (${code})` : error.message;
    return `HTTP ${error.status}: ${error.message}`;
  }
  return (error as Error).message;
}
