/** Evidence: the observations a finding stands on, so an operator can check it. */
import type { LogLine, LogSummary, SignalValue, Unit } from './manifest.ts';

export type Evidence =
  | {
      kind: 'signal';
      signal: string;
      name: string;
      unit: Unit;
      last: number;
      max: number;
      limit?: number;
    }
  | { kind: 'fact'; name: string; value: string | number | boolean | null }
  | { kind: 'log'; pattern?: string; lines: LogLine[]; count: number };

export function signalEvidence(value: SignalValue): Evidence {
  const evidence: Evidence = {
    kind: 'signal',
    signal: value.id,
    name: value.name,
    unit: value.unit,
    last: value.last,
    max: value.max,
  };
  if (value.limit !== undefined) evidence.limit = value.limit;
  return evidence;
}

export function factEvidence(name: string, value: string | number | boolean | null): Evidence {
  return { kind: 'fact', name, value };
}

export function logEvidence(lines: LogLine[], count: number, pattern?: string): Evidence {
  return pattern === undefined ? { kind: 'log', lines, count } : { kind: 'log', pattern, lines, count };
}

/**
 * How many lines matched the notable log pattern `pattern` in the window, with them as evidence; null when
 * none did or logs could not be read (no data, no finding).
 */
export function notableLogs(logs: LogSummary, pattern: string): { count: number; evidence: Evidence } | null {
  const matched = logs.available ? logs.notable[pattern] : undefined;
  if (matched === undefined || matched.count === 0) return null;
  return { count: matched.count, evidence: logEvidence(matched.sample, matched.count, pattern) };
}

/** The evidence of each of `patterns` that matched lines in the window, to back a finding made from other data. */
export function notableLogEvidence(logs: LogSummary, ...patterns: string[]): Evidence[] {
  return patterns.flatMap((pattern) => notableLogs(logs, pattern)?.evidence ?? []);
}
