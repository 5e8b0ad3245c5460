/** I/O at the edge of diagnosis: reads an instance's signals, logs and facts from their sources. */
import {
  type LogSummary,
  type MiddlewarePlugin,
  rateIntervalFor,
  renderQuery,
  type SignalSpec,
  type SignalValue,
} from '@kubestack/plugin-sdk';
import type { Instance } from '../inventory/inventory.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import { SourceError } from '../sources/errors.ts';
import type { PrometheusSource, RangeSeries } from '../sources/prometheus.ts';
import { LOGS_UNAVAILABLE, stepFor, summarizeLogs, summarizeSeries } from './summarize.ts';

export interface Window {
  from: Date;
  to: Date;
}

export interface SignalSeries {
  spec: SignalSpec;
  /** Undefined when Prometheus has no data for it (metric absent, or the query is wrong for this setup). */
  series: RangeSeries | undefined;
  limit: number | undefined;
  /** True when the query returned several series for the instance (the first one is used). */
  ambiguous: boolean;
}

/**
 * Range data of every key signal of an instance, queried in parallel. Throws a SourceError when
 * Prometheus cannot be used; a signal whose query Prometheus rejects is reported without data.
 */
export async function readSignalSeries(
  prometheus: PrometheusSource,
  plugin: MiddlewarePlugin,
  instance: Instance,
  window: Window,
  scrapeIntervalSeconds: number,
  stepSeconds = stepFor(window.from, window.to),
): Promise<SignalSeries[]> {
  const rateInterval = rateIntervalFor(scrapeIntervalSeconds, stepSeconds);
  const render = (template: string) => renderQuery(template, instance.name, rateInterval);
  return Promise.all(
    plugin.signals.map(async (spec) => {
      const [series, limit] = await Promise.all([
        tolerateBadQuery(prometheus.range(render(spec.query), window.from, window.to, stepSeconds)),
        spec.limit ? tolerateBadQuery(prometheus.instant(render(spec.limit.query), window.to)) : undefined,
      ]);
      return { spec, series: series?.[0], limit: limit?.[0]?.value, ambiguous: (series?.length ?? 0) > 1 };
    }),
  );
}

export function summarizeSignals(all: readonly SignalSeries[]): Record<string, SignalValue | undefined> {
  const signals: Record<string, SignalValue | undefined> = {};
  for (const { spec, series, limit } of all) {
    signals[spec.id] = series ? summarizeSeries(spec, series.values, limit) : undefined;
  }
  return signals;
}

/** The instance's logs in the window, digested for rules; `available: false` when Elasticsearch is not usable. */
export async function readLogSummary(
  elasticsearch: ElasticsearchSource,
  plugin: MiddlewarePlugin,
  instance: Instance,
  window: Window,
  lines: number,
): Promise<LogSummary> {
  const filter = { ...window, serviceType: plugin.logs.serviceType, instance: instance.name };
  try {
    const [levels, recent] = await Promise.all([
      elasticsearch.terms(filter, 'log.level'),
      lines > 0 ? elasticsearch.search(filter, lines) : { total: 0, lines: [] },
    ]);
    return summarizeLogs(plugin.logs.notable, levels, recent.lines);
  } catch (error) {
    // Logs are supplementary: whether Elasticsearch is down or rejects the query (e.g. a text-mapped
    // field in someone's own indices), the diagnosis goes on, marked partial.
    if (error instanceof SourceError) return LOGS_UNAVAILABLE;
    throw error;
  }
}

export type FactsResult = { facts: unknown; error?: undefined } | { facts: undefined; error: string };

/** Facts from the middleware itself, or why they could not be read. Never throws. */
export async function readFacts(
  plugin: MiddlewarePlugin,
  instance: Instance,
  url: string,
  timeoutMs: number,
): Promise<FactsResult> {
  let timer: NodeJS.Timeout | undefined;
  // The connector promises to honour the timeout; this guard keeps a misbehaving one from hanging a request.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 500);
  });
  try {
    const facts = await Promise.race([plugin.connector.collect({ instance, url }, { timeoutMs }), deadline]);
    return { facts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Defence in depth: a connector must not echo its URL, but if one does, the credentials go.
    return { facts: undefined, error: message.replace(/\/\/[^/@\s]*@/g, '//***@') };
  } finally {
    clearTimeout(timer);
  }
}

async function tolerateBadQuery<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof SourceError && !error.unavailable) return undefined;
    throw error;
  }
}
