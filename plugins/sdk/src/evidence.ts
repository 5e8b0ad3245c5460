/** Evidence: the observations a finding stands on, so an operator can check it. */
import type { LogLine, SignalValue, Unit } from './manifest.ts';

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
