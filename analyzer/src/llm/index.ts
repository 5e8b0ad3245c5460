/** The LLM narrator and what it is made of: redaction, the evidence pack, the answer schema and its validation. */
export {
  type Answer,
  type AnswerCheck,
  type AnswerIds,
  answerSchema,
  type Claim,
  type DroppedParts,
  narrativeOf,
  type ResponseFormat,
  responseFormat,
  validateAnswer,
} from './answer.ts';
export {
  LlmNarrator,
  type LlmSettings,
  type NarrateOptions,
  type Narration,
  type NarrationReason,
  type NarratorOptions,
} from './narrator.ts';
export {
  type BuiltPack,
  buildEvidencePack,
  type CaseInput,
  type ChatMessage,
  DEFAULT_PACK_LIMITS,
  dataNonce,
  type EvidenceInput,
  type EvidencePack,
  type EvidencePackInput,
  type HypothesisInput,
  type PackLimits,
  packMessages,
} from './pack.ts';
export { JsonFieldStream } from './partial-json.ts';
export {
  mask,
  type RedactionCounts,
  type RedactionKind,
  type RedactOptions,
  Redactor,
  redactText,
  redactValue,
} from './redact.ts';
