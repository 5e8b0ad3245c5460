/** Pure summaries that rules consume: series statistics and log digests. No I/O here. */
import type { LogLine, LogSummary, NotableLogPattern, SignalSpec, SignalValue } from '@kubestack/plugin-sdk';

/** Statistics of a series over the window, skipping NaN points (gaps, stale markers). */
export function summarizeSeries(spec: SignalSpec, values: Float64Array, limit?: number): SignalValue | undefined {
  let first = Number.NaN;
  let last = Number.NaN;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let points = 0;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    if (points === 0) first = value;
    last = value;
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
    points += 1;
  }
  if (points === 0) return undefined;
  const summary: SignalValue = {
    id: spec.id,
    name: spec.name,
    unit: spec.unit,
    badDirection: spec.badDirection,
    first,
    last,
    min,
    max,
    mean: sum / points,
    points,
  };
  if (limit !== undefined && Number.isFinite(limit) && limit > 0) summary.limit = limit;
  return summary;
}

const SAMPLE_LINES = 3;

/** Matches the plugin's notable patterns against the window's lines (newest first). */
export function summarizeLogs(
  patterns: readonly NotableLogPattern[],
  levelCounts: Record<string, number>,
  lines: readonly LogLine[],
): LogSummary {
  const compiled = patterns.map((pattern) => ({ id: pattern.id, regex: new RegExp(pattern.pattern, 'i') }));
  const notable: LogSummary['notable'] = {};
  for (const line of lines) {
    for (const { id, regex } of compiled) {
      if (!regex.test(line.message)) continue;
      const entry = notable[id] ?? { count: 0, sample: [] };
      notable[id] = entry;
      entry.count += 1;
      if (entry.sample.length < SAMPLE_LINES) entry.sample.push(line);
    }
  }
  const total = Object.values(levelCounts).reduce((sum, count) => sum + count, 0);
  return { available: true, total, byLevel: levelCounts, scanned: lines.length, notable };
}

export const LOGS_UNAVAILABLE: LogSummary = { available: false, total: 0, byLevel: {}, scanned: 0, notable: {} };

/** Step for range queries: about 240 points over the window, never finer than the 5 s scrape. */
export function stepFor(from: Date, to: Date): number {
  return Math.max(5, Math.round((to.getTime() - from.getTime()) / 1000 / 240));
}
