/**
 * PetShop issues and no-issue windows as correlation inputs, and their scoring (see main.ts for the
 * protocol).
 */
import {
  type BadDirection,
  type CandidateSignal,
  type CorrelateInput,
  type Correlation,
  type CorrelationParameters,
  correlate,
  robustBaseline,
  type Topology,
} from '../../src/correlate/index.ts';
import { columnKey, type Issue, type Metrics } from './dataset.ts';

/**
 * The signals every node offers as candidates, in the statistic the data set's own targets use. Request
 * counts are left out: the injected faults are delays and errors, and the counts of the rarely called
 * remote nodes jump between 0 and a few calls, which no baseline can tell from a fault.
 */
export const CANDIDATE_SIGNALS: ReadonlyArray<{ metric: string; statistic: string; badDirection: BadDirection }> = [
  { metric: 'latency', statistic: 'Average', badDirection: 'up' },
  { metric: 'availability', statistic: 'Average', badDirection: 'down' },
];

export const TARGET_METRICS = ['latency', 'availability'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export function targetDirection(metric: string): BadDirection {
  if (metric === 'latency') return 'up';
  if (metric === 'availability') return 'down';
  return 'both';
}

/** Normal spread (σ of noise) of each column, learnt from normal rows only. */
export type NormalSpread = Map<string, number>;

/** Spread of each column over pooled normal rows: `rows(metrics)` picks the row indices that are normal. */
export function normalSpread(sources: ReadonlyArray<{ metrics: Metrics; rows: readonly number[] }>): NormalSpread {
  const pooled = new Map<string, number[]>();
  for (const { metrics, rows } of sources) {
    for (const column of metrics.columns) {
      const key = columnKey(column.node, column.metric, column.statistic);
      let list = pooled.get(key);
      if (!list) {
        list = [];
        pooled.set(key, list);
      }
      for (const row of rows) list.push(column.values[row] as number);
    }
  }
  const spread: NormalSpread = new Map();
  for (const [key, values] of pooled) spread.set(key, robustBaseline(Float64Array.from(values)).spread);
  return spread;
}

/** Index of the bucket holding `timeMs` (the last row starting at or before it). */
export function bucketOf(times: Float64Array, timeMs: number): number {
  let index = 0;
  while (index + 1 < times.length && (times[index + 1] as number) <= timeMs) index += 1;
  return index;
}

export interface Case {
  metrics: Metrics;
  /** When the alert fired, ms. */
  alertMs: number;
  targetNode: string;
  targetMetric: string;
  targetStatistic: string;
}

export function issueCase(issue: Issue): Case {
  const { node, metric, agg, timestamp } = issue.target.target;
  return {
    metrics: issue.metrics,
    alertMs: timestamp * 1000,
    targetNode: node,
    targetMetric: metric,
    targetStatistic: agg,
  };
}

/**
 * The correlation input of a case: the window starts at the bucket holding the alert and runs to the last
 * row; rows before it are each series' baseline (its level), `spread` its normal noise.
 */
export function caseInput(
  item: Case,
  edges: Topology['dependencies'],
  spread: NormalSpread,
  options: Partial<CorrelationParameters>,
): CorrelateInput {
  const { metrics } = item;
  const windowStart = metrics.times[bucketOf(metrics.times, item.alertMs)] as number;
  const window = { startMs: windowStart, endMs: metrics.times[metrics.times.length - 1] as number };
  const scaleOf = (node: string, metric: string, statistic: string) => {
    const scale = spread.get(columnKey(node, metric, statistic));
    return scale === undefined ? {} : { baseline: { scale } };
  };
  const targetColumn = metrics.columns.find(
    (column) =>
      column.node === item.targetNode &&
      column.metric === item.targetMetric &&
      column.statistic === item.targetStatistic,
  );
  if (!targetColumn)
    throw new Error(`no column for target ${item.targetNode} ${item.targetMetric} ${item.targetStatistic}`);
  const candidates: CandidateSignal[] = [];
  for (const column of metrics.columns) {
    const signal = CANDIDATE_SIGNALS.find((s) => s.metric === column.metric && s.statistic === column.statistic);
    if (!signal) continue;
    candidates.push({
      evidenceId: `${column.node}/${column.metric}:${column.statistic}`,
      node: column.node,
      signal: `${column.metric}:${column.statistic}`,
      times: metrics.times,
      values: column.values,
      badDirection: signal.badDirection,
      ...scaleOf(column.node, column.metric, column.statistic),
    });
  }
  return {
    target: {
      id: `${item.targetNode}/${item.targetMetric}:${item.targetStatistic}`,
      node: item.targetNode,
      times: metrics.times,
      values: targetColumn.values,
      badDirection: targetDirection(item.targetMetric),
      ...scaleOf(item.targetNode, item.targetMetric, item.targetStatistic),
    },
    candidates,
    topology: { dependencies: edges },
    window,
    options,
  };
}

export function rankCase(
  item: Case,
  edges: Topology['dependencies'],
  spread: NormalSpread,
  options: Partial<CorrelationParameters>,
): Correlation {
  return correlate(caseInput(item, edges, spread, options));
}

/** 1-based rank of `node` among the hypotheses, undefined when it is not among them. */
export function rankOf(correlation: Correlation, node: string): number | undefined {
  const index = correlation.hypotheses.findIndex((hypothesis) => hypothesis.node === node);
  return index < 0 ? undefined : index + 1;
}

/** Rows [start, start + length) of `metrics`. */
export function sliceMetrics(metrics: Metrics, start: number, length: number): Metrics {
  return {
    times: metrics.times.subarray(start, start + length),
    columns: metrics.columns.map((column) => ({ ...column, values: column.values.subarray(start, start + length) })),
  };
}
