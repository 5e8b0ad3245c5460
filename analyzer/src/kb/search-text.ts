/**
 * What the retrievers see of a case. Full text indexes one column built here from every field that
 * describes the fault; not the remediation, whose words ("restart", "increase") match any query and ranked
 * fewer cases first on the plugins' retrieval queries. Each field goes in once: weighing the title, symptoms
 * and log lines by repetition moved one query in 414 into the top 3 and ranked fewer cases first.
 * Identifiers in log lines (`NotLeaderOrFollowerException`, `used_memory`) are also spelled out as
 * words, and queries get the same treatment, so a log line and a paraphrase meet on the same tokens. Pure.
 */
import type { FaultCase } from './case.ts';

/** Words with an upper-case letter after their first: camel case, and all-caps words (left as they are). */
const MIXED_CASE = /\b[A-Za-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b/g;

/** The words inside identifiers: `NotLeaderOrFollowerException` → `not leader or follower exception`. */
export function identifierWords(text: string): string {
  const words: string[] = [];
  for (const token of text.match(MIXED_CASE) ?? []) {
    const parts = token
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .toLowerCase();
    if (parts !== token.toLowerCase()) words.push(parts);
  }
  return words.join(' ');
}

/** A text with the words of its identifiers appended (the tokenizer already splits on `_`, `.`, `-`). */
export function withIdentifierWords(text: string): string {
  const words = identifierWords(text);
  return words ? `${text}\n${words}` : text;
}

/** The text the full-text index holds for a case. */
export function fullTextOf(faultCase: FaultCase): string {
  const signals = faultCase.signals.map((signature) =>
    [signature.signal, signature.direction, signature.shape ?? '', signature.note ?? ''].join(' '),
  );
  const parts = [
    faultCase.title,
    ...faultCase.symptoms,
    ...faultCase.logPatterns,
    ...signals,
    `${faultCase.middleware} ${faultCase.faultClass.replaceAll('-', ' ')}`,
    faultCase.rootCause,
  ];
  return withIdentifierWords(parts.join('\n'));
}

/** Longest text sent to the embeddings endpoint for one case (models take a few thousand tokens). */
const MAX_EMBEDDED_CHARS = 6000;

/**
 * The text a case is embedded from: what it looks like (title, symptoms, log lines), which is what queries
 * describe; the explanation would pull its vector toward every case with a similar mechanism.
 */
export function embeddingTextOf(faultCase: FaultCase): string {
  const text = [faultCase.title, ...faultCase.symptoms, ...faultCase.logPatterns].join('\n');
  return text.slice(0, MAX_EMBEDDED_CHARS);
}
