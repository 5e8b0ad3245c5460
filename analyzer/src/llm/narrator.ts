/**
 * The LLM narrator: shows a redacted evidence pack to an OpenAI-compatible model, streams the narrative it
 * writes, and keeps its answer only when it passes validation. Any failure (off, timeout, unreachable, HTTP
 * error, malformed or invalid output) gives the deterministic narrative with the reason; `narrate` never throws.
 * The API key goes only into the Authorization header the client sends: never into a log, an error or a result.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { type Answer, type Claim, type ResponseFormat, responseFormat, validateAnswer } from './answer.ts';
import { type BuiltPack, buildEvidencePack, type EvidencePackInput, type PackLimits, packMessages } from './pack.ts';
import { JsonFieldStream } from './partial-json.ts';
import type { RedactionCounts } from './redact.ts';

/** The `llm` settings (see config/schema.ts); no `baseUrl` means no LLM. */
export interface LlmSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  timeoutMs: number;
  redactIps: boolean;
}

export interface NarratorOptions {
  /** Ask for a streamed answer (default) or a whole one, for servers that stream badly. */
  stream?: boolean;
  limits?: Partial<PackLimits>;
}

export interface NarrateOptions {
  /** Aborting it (the client went away) stops the request; the result then says `llm-aborted`. */
  signal?: AbortSignal;
  /**
   * Receives the narrative as the model writes it (when streaming), in order, once the model has named an
   * offered hypothesis.
   * Provisional: the result's `narrative` is what stands, and replaces it when the answer was rebuilt or refused.
   */
  onDelta?: (text: string) => void;
}

export type NarrationReason =
  | 'llm-off'
  | 'llm-no-hypothesis'
  | 'llm-timeout'
  | 'llm-unavailable'
  | 'llm-invalid-answer'
  | 'llm-aborted';

export interface Narration {
  source: 'llm' | 'deterministic';
  narrative: string;
  /** The chosen hypothesis id (the pipeline's own id); with the deterministic narrative, the pipeline's first. */
  hypothesis: string | null;
  /** The LLM's claims that cite evidence or cases, with the pipeline's ids; empty for the deterministic narrative. */
  claims: Claim[];
  /** Why the narrative is the deterministic one. */
  reason?: NarrationReason;
  /** What went wrong, for an operator; never holds the key or the model's text. */
  detail?: string;
  /** What validation removed from an accepted answer: counts only, the removed text may be planted. */
  dropped?: { claims: number; unknownIds: number; narrativeRebuilt: boolean };
  /** What redaction masked in what was sent (or would have been). */
  redactions: RedactionCounts;
  /** Whether the pack was cut to fit its limits. */
  truncated: boolean;
}

/** Output beyond this is no answer the schema asks for: a model that does not stop. */
const MAX_OUTPUT_CHARS = 64 * 1024;

class NarrationFailure extends Error {
  readonly reason: NarrationReason;

  constructor(reason: NarrationReason, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

export class LlmNarrator {
  readonly enabled: boolean;
  readonly #client: OpenAI | undefined;
  readonly #settings: LlmSettings;
  readonly #stream: boolean;
  readonly #limits: Partial<PackLimits> | undefined;

  constructor(settings: LlmSettings, options: NarratorOptions = {}) {
    this.#settings = settings;
    this.#stream = options.stream ?? true;
    this.#limits = options.limits;
    this.enabled = settings.baseUrl !== undefined && settings.model !== undefined;
    this.#client = this.enabled
      ? new OpenAI({
          baseURL: settings.baseUrl,
          // Always explicit, so the client never picks up OPENAI_* variables meant for something else. Local
          // servers need no key; the client needs one, and a placeholder is harmless there.
          apiKey: settings.apiKey ?? 'no-key',
          organization: null,
          project: null,
          timeout: settings.timeoutMs,
          maxRetries: 0,
          logLevel: 'off',
        })
      : undefined;
  }

  /** The narrative of `input`: the model's when it gives a valid answer in time, else the deterministic one. */
  async narrate(input: EvidencePackInput, options: NarrateOptions = {}): Promise<Narration> {
    if (this.#client === undefined) {
      return deterministic(input, { redactions: {}, truncated: false }, 'llm-off', 'no LLM endpoint and model are set');
    }
    const built = buildEvidencePack(input, { redactIps: this.#settings.redactIps, limits: this.#limits });
    const fallback = (reason: NarrationReason, detail: string) =>
      deterministic(input, built, reason, this.#scrub(detail));
    if (built.ids.hypotheses.length === 0) return fallback('llm-no-hypothesis', 'no hypothesis is backed by evidence');
    if (options.signal?.aborted) return fallback('llm-aborted', 'the request was cancelled');

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#settings.timeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal;
    try {
      const output = await this.#complete(this.#client, built, signal, options.onDelta);
      if (options.signal?.aborted) return fallback('llm-aborted', 'the request was cancelled');
      if (deadline.signal.aborted) throw new NarrationFailure('llm-timeout', this.#timeoutDetail());
      const check = validateAnswer(output, built.ids);
      if (check.answer === null) return fallback('llm-invalid-answer', check.problem);
      return {
        source: 'llm',
        ...withOriginalIds(check.answer, built),
        dropped: {
          claims: check.dropped.claims.length,
          unknownIds: check.dropped.unknownIds.length,
          narrativeRebuilt: check.dropped.narrativeRebuilt,
        },
        redactions: built.redactions,
        truncated: built.truncated,
      };
    } catch (error) {
      if (options.signal?.aborted) return fallback('llm-aborted', 'the request was cancelled');
      if (deadline.signal.aborted) return fallback('llm-timeout', this.#timeoutDetail());
      const failure = classify(error);
      return fallback(failure.reason, failure.message);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The model's whole output text; the first request asks for structured output, a refusal of it for JSON mode. */
  async #complete(
    client: OpenAI,
    built: BuiltPack,
    signal: AbortSignal,
    onDelta: ((text: string) => void) | undefined,
  ): Promise<string> {
    try {
      return await this.#request(client, built, responseFormat(built.ids, 'json_schema'), signal, onDelta);
    } catch (error) {
      // Servers without structured outputs refuse `json_schema` with a 400 or 422 before writing anything.
      if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422) || signal.aborted) throw error;
      return await this.#request(client, built, responseFormat(built.ids, 'json_object'), signal, onDelta);
    }
  }

  async #request(
    client: OpenAI,
    built: BuiltPack,
    format: ResponseFormat,
    signal: AbortSignal,
    onDelta: ((text: string) => void) | undefined,
  ): Promise<string> {
    const body = {
      model: this.#settings.model ?? '',
      messages: packMessages(built),
      response_format: format,
      temperature: 0,
    };
    if (!this.#stream) {
      const completion = await client.chat.completions.create({ ...body, stream: false }, { signal });
      return completion.choices[0]?.message?.content ?? '';
    }
    const stream = await client.chat.completions.create({ ...body, stream: true }, { signal });
    const narrative = new NarrativeRelay(built.ids.hypotheses, onDelta);
    let output = '';
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content ?? '';
      if (piece === '') continue;
      output += piece;
      if (output.length > MAX_OUTPUT_CHARS) {
        stream.controller.abort();
        throw new NarrationFailure('llm-invalid-answer', 'the answer is longer than any valid answer');
      }
      narrative.feed(piece);
    }
    return output;
  }

  #timeoutDetail(): string {
    return `no complete answer within ${this.#settings.timeoutMs} ms`;
  }

  /** `text` without the API key, whatever a server or library put into it. */
  #scrub(text: string): string {
    const key = this.#settings.apiKey;
    return key ? text.replaceAll(key, '[redacted:token]') : text;
  }
}

/**
 * Passes the narrative on as it streams, but only after the model named an offered hypothesis: before that, it
 * is held back, and an answer naming anything else never shows a word.
 */
class NarrativeRelay {
  readonly #fields = new JsonFieldStream('narrative');
  readonly #offered: ReadonlySet<string>;
  readonly #onDelta: ((text: string) => void) | undefined;
  #held = '';

  constructor(offered: readonly string[], onDelta: ((text: string) => void) | undefined) {
    this.#offered = new Set(offered);
    this.#onDelta = onDelta;
  }

  feed(piece: string): void {
    const text = this.#fields.feed(piece);
    if (this.#onDelta === undefined) return;
    this.#held += text;
    const hypothesis = this.#fields.strings.get('hypothesis');
    if (this.#held === '' || hypothesis === undefined || !this.#offered.has(hypothesis)) return;
    const delta = this.#held;
    this.#held = '';
    try {
      this.#onDelta(delta);
    } catch {
      // A listener's failure (a closed connection) must not fail the narration.
    }
  }
}

/** The pipeline's own narrative, and why it stands. */
function deterministic(
  input: EvidencePackInput,
  built: Pick<BuiltPack, 'redactions' | 'truncated'>,
  reason: NarrationReason,
  detail: string,
): Narration {
  return {
    source: 'deterministic',
    narrative: input.narrative,
    hypothesis: input.hypotheses[0]?.id ?? null,
    claims: [],
    reason,
    detail,
    redactions: built.redactions,
    truncated: built.truncated,
  };
}

/** The answer with the pack's aliases replaced by the pipeline's ids. */
function withOriginalIds(answer: Answer, built: BuiltPack): Pick<Narration, 'narrative' | 'hypothesis' | 'claims'> {
  const original = (alias: string) => built.originals.get(alias) ?? alias;
  return {
    narrative: answer.narrative,
    hypothesis: original(answer.hypothesis),
    claims: answer.claims.map((claim) => ({
      text: claim.text,
      evidence: claim.evidence.map(original),
      cases: claim.cases.map(original),
    })),
  };
}

/** The reason and a safe detail for what the client or the stream threw; the server's own words are left out. */
function classify(error: unknown): NarrationFailure {
  if (error instanceof NarrationFailure) return error;
  if (error instanceof APIConnectionTimeoutError)
    return new NarrationFailure('llm-timeout', 'the LLM endpoint timed out');
  if (error instanceof APIConnectionError)
    return new NarrationFailure('llm-unavailable', 'the connection to the LLM endpoint failed');
  if (error instanceof APIError && error.status !== undefined) {
    return new NarrationFailure('llm-unavailable', `the LLM endpoint answered HTTP ${error.status}`);
  }
  if (error instanceof APIError) return new NarrationFailure('llm-unavailable', 'the LLM stream reported an error');
  if (error instanceof SyntaxError) return new NarrationFailure('llm-invalid-answer', 'the LLM stream is malformed');
  // A connection dropped mid-stream surfaces as the fetch body's TypeError ("terminated").
  return new NarrationFailure('llm-unavailable', 'the LLM connection failed');
}
