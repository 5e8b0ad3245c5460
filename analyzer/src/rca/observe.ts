/**
 * The I/O edge of root-cause analysis: reads the target (a panel's queries, or an instance signal) and every
 * instance's key signals over the baseline and the window, and scores each series with the detector. What
 * comes out is plain arrays for the pure correlate/ domain.
 */
import type { BadDirection, FaultClass, MiddlewarePlugin } from '@kubestack/plugin-sdk';
import { rateIntervalFor } from '@kubestack/plugin-sdk';
import { detectSeries, type TimedEpisode } from '../detect/detect-series.ts';
import { readSignalSeries, type SignalSeries } from '../diagnose/observe.ts';
import type { Instance } from '../inventory/inventory.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import { SourceError } from '../sources/errors.ts';
import type { PrometheusSource, RangeSeries } from '../sources/prometheus.ts';
import { ExplainInputError, interpolatePromql, type ResolvedQuery } from './panel.ts';

/** A panel's query that its source rejects is the caller's to fix (a 400), unlike the analyzer's own queries. */
async function panelQuery<T>(refId: string, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof SourceError && error.failure === 'bad_query') {
      throw new ExplainInputError('BAD_QUERY', `query ${refId} was rejected by ${error.message}`);
    }
    throw error;
  }
}

export interface Window {
  from: Date;
  to: Date;
}

/** The span the detector learns from (just before the window) and the window itself, on one step. */
export interface Span {
  baselineFrom: Date;
  window: Window;
  stepSeconds: number;
}

/** A scored series: the grid it was scored on, per-point anomaly scores, and episodes inside the window. */
export interface ScoredSeries {
  /** ms since the epoch, on the detector's grid. */
  timestamps: Float64Array;
  values: Float64Array;
  scores: Float64Array;
  /** Episodes that overlap the window. */
  episodes: TimedEpisode[];
  /** Highest score inside the window. */
  maxScore: number;
}

export interface ObservedTarget extends ScoredSeries {
  id: string;
  /** Human description: the query and, for a panel with several series, the series' labels. */
  label: string;
  /** The instance or service the series belongs to, when its labels say. */
  node: string | undefined;
  badDirection: BadDirection;
}

export interface ObservedSignal extends ScoredSeries {
  instance: Instance;
  signal: string;
  name: string;
  unit: string;
  badDirection: BadDirection;
  faultClass: FaultClass | undefined;
  /** The signal's saturation limit at the end of the window, when it has one. */
  limit: number | undefined;
}

/** Series a panel query may return that are scored; more are dropped (top-k panels are the norm). */
const MAX_TARGET_SERIES = 50;
/** Points per series across baseline and window. */
const SPAN_POINTS = 1000;

/** The baseline is as long as the window (at least 30 minutes) so the detector has its own history to learn. */
export function spanFor(window: Window, scrapeIntervalSeconds: number): Span {
  const length = window.to.getTime() - window.from.getTime();
  const baseline = Math.max(length, 30 * 60_000);
  const stepSeconds = Math.max(scrapeIntervalSeconds, Math.ceil((length + baseline) / 1000 / SPAN_POINTS));
  return { baselineFrom: new Date(window.from.getTime() - baseline), window, stepSeconds };
}

/** Scores a series read over baseline + window; undefined when it holds too few points to say anything. */
export function scoreSeries(timestampsMs: Float64Array, values: Float64Array, span: Span): ScoredSeries | undefined {
  if (values.length < 8) return undefined;
  const fromMs = span.window.from.getTime();
  const first = timestampsMs[0] as number;
  const warmUp = Math.max(0, Math.round((fromMs - first) / (span.stepSeconds * 1000)));
  if (warmUp >= values.length - 1) return undefined;
  const detection = detectSeries({ timestamps: timestampsMs, values }, { warmUp });
  let maxScore = 0;
  for (let i = 0; i < detection.scores.length; i += 1) {
    if ((detection.timestamps[i] as number) < fromMs) continue;
    const score = detection.scores[i] as number;
    if (score > maxScore) maxScore = score;
  }
  return {
    timestamps: detection.timestamps,
    values: detection.values,
    scores: detection.scores,
    episodes: detection.episodes.filter((episode) => episode.endMs >= fromMs),
    maxScore,
  };
}

function inMilliseconds(series: RangeSeries): Float64Array {
  return series.timestamps.map((seconds) => seconds * 1000);
}

function describeLabels(labels: Record<string, string>): string {
  const shown = Object.entries(labels)
    .filter(([name]) => name !== '__name__')
    .map(([name, value]) => `${name}="${value}"`);
  return shown.length === 0 ? '' : `{${shown.join(', ')}}`;
}

/**
 * The instance a series or an alert belongs to: `kubestack_instance` naming its id, or its `instance` label
 * naming a known instance (two plugins may share an address: the one the `job` label names wins).
 */
export function instanceOfLabels(labels: Record<string, string>, instances: readonly Instance[]): Instance | undefined {
  const byId = labels.kubestack_instance;
  if (byId !== undefined) return instances.find((instance) => instance.id === byId);
  const name = labels.instance;
  if (name === undefined) return undefined;
  const matches = instances.filter((instance) => instance.name === name);
  return matches.find((instance) => labels.job?.includes(instance.type)) ?? matches[0];
}

/** A panel's PromQL query over baseline + window: one scored target per series (at most 50). */
export async function readPromqlTarget(
  prometheus: PrometheusSource,
  query: Extract<ResolvedQuery, { language: 'promql' }>,
  span: Span,
  scrapeIntervalSeconds: number,
  instances: readonly Instance[],
): Promise<ObservedTarget[]> {
  const expr = interpolatePromql(query.expr, {
    stepSeconds: span.stepSeconds,
    rateIntervalSeconds: rateIntervalFor(scrapeIntervalSeconds, span.stepSeconds),
    rangeSeconds: (span.window.to.getTime() - span.window.from.getTime()) / 1000,
  });
  const all = await panelQuery(
    query.refId,
    prometheus.range(expr, span.baselineFrom, span.window.to, span.stepSeconds),
  );
  const targets: ObservedTarget[] = [];
  for (const series of all.slice(0, MAX_TARGET_SERIES)) {
    const scored = scoreSeries(inMilliseconds(series), series.values, span);
    if (!scored) continue;
    const labels = describeLabels(series.labels);
    targets.push({
      ...scored,
      id: `target:${query.refId}${labels}`,
      label: labels ? `${query.expr} ${labels}` : query.expr,
      node: instanceOfLabels(series.labels, instances)?.id,
      badDirection: 'both',
    });
  }
  return targets;
}

/**
 * A panel's log query: matching lines per step over baseline + window. The node is the instance (or the
 * service, for an application's logs) that wrote most of the matching lines in the window.
 */
export async function readLogTarget(
  elasticsearch: ElasticsearchSource,
  query: Extract<ResolvedQuery, { language: 'lucene' }>,
  span: Span,
  instances: readonly Instance[],
): Promise<ObservedTarget[]> {
  const filter = { from: span.baselineFrom, to: span.window.to, lucene: query.query };
  const [buckets, byInstance, byService] = await panelQuery(
    query.refId,
    Promise.all([
      elasticsearch.histogram(filter, span.stepSeconds),
      elasticsearch.terms({ ...filter, from: span.window.from }, 'service.instance', 5),
      elasticsearch.terms({ ...filter, from: span.window.from }, 'service.type', 5),
    ]),
  );
  const timestamps = Float64Array.from(buckets, (bucket) => bucket.timestamp);
  const values = Float64Array.from(buckets, (bucket) => bucket.count);
  const scored = scoreSeries(timestamps, values, span);
  if (!scored) return [];
  const topInstance = Object.keys(byInstance)[0];
  const topService = Object.keys(byService)[0];
  const instance =
    topInstance === undefined
      ? undefined
      : instances.find(
          (known) => known.name === topInstance && (topService === undefined || known.type === topService),
        );
  return [
    {
      ...scored,
      id: `target:${query.refId}`,
      label: `log lines matching ${query.query}`,
      node: instance?.id ?? (topService === undefined ? undefined : `service:${topService}`),
      badDirection: 'up',
    },
  ];
}

/** Every key signal of one instance over baseline + window, as read (signals without data included). */
export function readInstanceSignals(
  prometheus: PrometheusSource,
  instance: Instance,
  plugin: MiddlewarePlugin,
  span: Span,
  scrapeIntervalSeconds: number,
): Promise<SignalSeries[]> {
  return readSignalSeries(
    prometheus,
    plugin,
    instance,
    { from: span.baselineFrom, to: span.window.to },
    scrapeIntervalSeconds,
    span.stepSeconds,
  );
}

/** The instance's signals scored for correlation; signals without (enough) data are skipped. */
export function scoreInstanceSignals(instance: Instance, read: readonly SignalSeries[], span: Span): ObservedSignal[] {
  const observed: ObservedSignal[] = [];
  for (const { spec, series, limit } of read) {
    if (!series) continue;
    const scored = scoreSeries(inMilliseconds(series), series.values, span);
    if (!scored) continue;
    observed.push({
      ...scored,
      instance,
      signal: spec.id,
      name: spec.name,
      unit: spec.unit,
      badDirection: spec.badDirection,
      faultClass: spec.faultClass,
      limit,
    });
  }
  return observed;
}

/** The window's part of series read over baseline + window (views, no copies): what rules judge. */
export function windowPart(read: readonly SignalSeries[], window: Window): SignalSeries[] {
  const fromSeconds = window.from.getTime() / 1000;
  return read.map((entry) => {
    if (!entry.series) return entry;
    const { labels, timestamps, values } = entry.series;
    let first = 0;
    while (first < timestamps.length && (timestamps[first] as number) < fromSeconds) first += 1;
    return { ...entry, series: { labels, timestamps: timestamps.subarray(first), values: values.subarray(first) } };
  });
}
