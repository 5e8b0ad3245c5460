/**
 * The answer the LLM must give, and its validation: the chosen hypothesis must be one offered, every claim must
 * cite evidence or cases that were in the pack, and the narrative may say only what the kept claims say.
 * What fails is dropped; when nothing usable remains the caller falls back to the deterministic narrative.
 */

export interface Claim {
  text: string;
  /** Ids of evidence items of the pack that support the claim. */
  evidence: string[];
  /** Ids of knowledge-base cases of the pack that support the claim. */
  cases: string[];
}

export interface Answer {
  /** One of the offered hypothesis ids. */
  hypothesis: string;
  narrative: string;
  claims: Claim[];
}

/** The ids the model saw: the only ones an answer may name. */
export interface AnswerIds {
  hypotheses: readonly string[];
  evidence: readonly string[];
  cases: readonly string[];
}

export interface DroppedParts {
  /** The text of claims dropped for citing nothing the pack holds. */
  claims: string[];
  /** Cited ids that the pack does not hold, removed from the claims that kept others. */
  unknownIds: string[];
  /** Whether the narrative was replaced by the kept claims: it said more than they do, or nothing. */
  narrativeRebuilt: boolean;
}

export type AnswerCheck = { answer: Answer; dropped: DroppedParts } | { answer: null; problem: string };

const MAX_CLAIMS = 12;
const MAX_CLAIM_CHARS = 600;
const MAX_NARRATIVE_CHARS = 3000;
const MAX_IDS_PER_CLAIM = 12;
/** Share of a narrative sentence's content words that the kept claims must contain for it to stand. */
const SENTENCE_COVERAGE = 0.6;

const idList = (ids: readonly string[]) =>
  ids.length > 0
    ? { type: 'array', items: { type: 'string', enum: [...ids] } }
    : { type: 'array', items: { type: 'string' } };

/**
 * The JSON schema of an answer, ids constrained to those of the pack where a server enforces enums. Property
 * order matters: the hypothesis comes first so a streamed narrative can be held back until it is known.
 */
export function answerSchema(ids: AnswerIds): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['hypothesis', 'narrative', 'claims'],
    properties: {
      hypothesis: { type: 'string', enum: [...ids.hypotheses], description: 'The id of the chosen hypothesis' },
      narrative: { type: 'string', description: 'Two to five sentences for the operator, saying what the claims say' },
      claims: {
        type: 'array',
        description: 'Each statement the narrative makes, with the evidence and case ids that support it',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['text', 'evidence', 'cases'],
          properties: { text: { type: 'string' }, evidence: idList(ids.evidence), cases: idList(ids.cases) },
        },
      },
    },
  };
}

export type ResponseFormat =
  | { type: 'json_schema'; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } }
  | { type: 'json_object' };

/** `response_format` for a chat completion: structured output when the server has it, else plain JSON mode. */
export function responseFormat(ids: AnswerIds, kind: ResponseFormat['type']): ResponseFormat {
  return kind === 'json_schema'
    ? { type: 'json_schema', json_schema: { name: 'root_cause_answer', strict: true, schema: answerSchema(ids) } }
    : { type: 'json_object' };
}

/** The model's whole output checked against the ids it was given; see the module comment. */
export function validateAnswer(output: string, ids: AnswerIds): AnswerCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(withoutCodeFence(output));
  } catch {
    return { answer: null, problem: 'the answer is not JSON' };
  }
  if (!isRecord(parsed)) return { answer: null, problem: 'the answer is not a JSON object' };
  const { hypothesis, narrative, claims } = parsed;
  if (typeof hypothesis !== 'string' || typeof narrative !== 'string' || !Array.isArray(claims)) {
    return { answer: null, problem: 'the answer does not match the schema: hypothesis, narrative and claims expected' };
  }
  // The chosen id is not echoed: it may be what an injected instruction asked for.
  if (!ids.hypotheses.includes(hypothesis)) {
    return { answer: null, problem: 'the chosen hypothesis is not one of those offered' };
  }

  const knownEvidence = new Set(ids.evidence);
  const knownCases = new Set(ids.cases);
  const dropped: DroppedParts = { claims: [], unknownIds: [], narrativeRebuilt: false };
  const kept: Claim[] = [];
  for (const raw of claims) {
    const claim = readClaim(raw);
    if (claim === null) continue;
    const evidence = unique(claim.evidence.filter((id) => knownEvidence.has(id))).slice(0, MAX_IDS_PER_CLAIM);
    const cases = unique(claim.cases.filter((id) => knownCases.has(id))).slice(0, MAX_IDS_PER_CLAIM);
    const unknown = [...claim.evidence, ...claim.cases].filter((id) => !knownEvidence.has(id) && !knownCases.has(id));
    if (evidence.length + cases.length === 0 || kept.length >= MAX_CLAIMS) {
      dropped.claims.push(claim.text);
      continue;
    }
    dropped.unknownIds.push(...unknown);
    kept.push({ text: truncate(claim.text, MAX_CLAIM_CHARS), evidence, cases });
  }
  if (kept.length === 0) return { answer: null, problem: 'no claim of the answer cites evidence or cases of the pack' };

  const told = narrative.trim();
  const rebuild = told === '' || told.length > MAX_NARRATIVE_CHARS || !saysOnlyWhatClaimsSay(told, kept);
  dropped.narrativeRebuilt = rebuild;
  dropped.unknownIds = unique(dropped.unknownIds);
  return { answer: { hypothesis, narrative: rebuild ? narrativeOf(kept) : told, claims: kept }, dropped };
}

/** The kept claims as a narrative: each a sentence, in the model's order. */
export function narrativeOf(claims: readonly Claim[]): string {
  return claims.map((claim) => (/[.!?]$/.test(claim.text) ? claim.text : `${claim.text}.`)).join(' ');
}

const STOP_WORDS = new Set(
  "the and for are was were with this that these those which from into onto has have had but not its it's than then there their they them been being also because while when where what who whom whose will would can could should may might must does did done all any each most more some such only very just over under about after before above below between through during again further once here why how own same both few other nor too off out our you your".split(
    ' ',
  ),
);

function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
}

/**
 * Whether every sentence of `narrative` is made mostly of words of the claims: a sentence the claims do not
 * back (advice planted in a log line, a guess) makes the narrative be rebuilt from the claims.
 */
function saysOnlyWhatClaimsSay(narrative: string, claims: readonly Claim[]): boolean {
  const vocabulary = new Set(claims.flatMap((claim) => contentWords(claim.text)));
  return narrative
    .split(/(?<=[.!?])\s+|\n+/)
    .map(contentWords)
    .every(
      (words) =>
        words.length === 0 || words.filter((word) => vocabulary.has(word)).length >= SENTENCE_COVERAGE * words.length,
    );
}

function readClaim(raw: unknown): Claim | null {
  if (!isRecord(raw) || typeof raw.text !== 'string' || raw.text.trim() === '') return null;
  return { text: raw.text.trim(), evidence: strings(raw.evidence), cases: strings(raw.cases) };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Some models wrap JSON in a Markdown code fence even in JSON mode. */
function withoutCodeFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return fenced?.[1] ?? text;
}
