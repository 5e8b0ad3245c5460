/**
 * Anomalies and exhaustion forecasts of an instance's key signals: reads the signals from Prometheus
 * (the I/O edge) and hands them to the pure detect/ and forecast/ domains. Keeps the latest outcome per
 * instance for the fleet's health summary.
 */
import type { MiddlewarePlugin, SignalSpec } from '@kubestack/plugin-sdk';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { detectSeries, type TimedEpisode } from '../detect/detect-series.ts';
import { readSignalSeries, type SignalSeries, type Window } from '../diagnose/observe.ts';
import {
  forecast,
  InsufficientDataError,
  MIN_FORECAST_POINTS,
  type TimeToThreshold,
  timeToThreshold,
} from '../forecast/index.ts';
import type { Instance } from '../inventory/inventory.ts';
import type { PrometheusSource, RangeSeries } from '../sources/prometheus.ts';

/** Points per signal read for detection (baseline and window together). */
const DETECT_POINTS = 1000;
/** Points of history a forecast reads. */
const FORECAST_POINTS = 720;
/** How far ahead the health summary looks for an exhaustion: the predictive-maintenance day. */
const OUTLOOK_HORIZON_MS = 24 * 3_600_000;

export interface SignalAnomalies {
  id: string;
  name: string;
  unit: string;
  /** no-data: Prometheus has no series for this signal. */
  status: 'ok' | 'no-data';
  maxScore: number;
  /** True when an episode is still open at the end of the window. */
  active: boolean;
  episodes: TimedEpisode[];
}

export interface InstanceAnomalies {
  window: Window;
  stepSeconds: number;
  /** The baseline the detector learnt from: the same length as the window, just before it. */
  baselineFrom: Date;
  signals: SignalAnomalies[];
  activeAnomalies: number;
}

export interface Exhaustion {
  signal: string;
  limitName: string;
  limit: number;
  /** Expected crossing and its 95 % range, ms epoch. */
  at: number;
  earliest: number;
  latest: number | undefined;
}

export interface HealthOutlook {
  checkedAt: Date;
  activeAnomalies: number;
  nearestExhaustion: Exhaustion | null;
}

export interface SignalForecast {
  signal: SignalSpec;
  historyFrom: Date;
  stepSeconds: number;
  method: string;
  seasonPeriod: number;
  points: Array<{ t: number; mean: number; lower80: number; upper80: number; lower95: number; upper95: number }>;
  limit: { name: string; value: number } | null;
  exhaustion: TimeToThreshold | null;
}

export class UnknownSignalError extends Error {}

export class SignalAnalysis {
  readonly #prometheus: PrometheusSource;
  readonly #config: Config;
  readonly #clock: Clock;
  readonly #outlook = new Map<string, HealthOutlook>();

  constructor(deps: { prometheus: PrometheusSource; config: Config; clock: Clock }) {
    this.#prometheus = deps.prometheus;
    this.#config = deps.config;
    this.#clock = deps.clock;
  }

  /** Latest anomalies-and-exhaustion outlook of an instance (from a scan or an anomalies call). */
  outlook(instanceId: string): HealthOutlook | undefined {
    return this.#outlook.get(instanceId);
  }

  async anomalies(instance: Instance, plugin: MiddlewarePlugin, window: Window): Promise<InstanceAnomalies> {
    const span = window.to.getTime() - window.from.getTime();
    const baselineFrom = new Date(window.from.getTime() - span);
    const stepSeconds = this.#step(2 * span, DETECT_POINTS);
    const all = await this.#read(plugin, instance, { from: baselineFrom, to: window.to }, stepSeconds);
    const signals = all.map((signal) => analyse(signal, window, stepSeconds));
    const activeAnomalies = signals.filter((signal) => signal.active).length;
    const exhaustion = nearestExhaustion(all, OUTLOOK_HORIZON_MS);
    this.#outlook.set(instance.id, {
      checkedAt: this.#clock.now(),
      activeAnomalies,
      nearestExhaustion: exhaustion,
    });
    return { window, stepSeconds, baselineFrom, signals, activeAnomalies };
  }

  async forecast(
    instance: Instance,
    plugin: MiddlewarePlugin,
    signalId: string,
    horizonSeconds: number,
    historySeconds: number,
  ): Promise<SignalForecast> {
    const spec = plugin.signals.find((signal) => signal.id === signalId);
    if (!spec) {
      const known = plugin.signals.map((signal) => signal.id).join(', ');
      throw new UnknownSignalError(`unknown signal "${signalId}" for ${plugin.id}; known: ${known}`);
    }
    const to = this.#clock.now();
    const historyFrom = new Date(to.getTime() - historySeconds * 1000);
    const stepSeconds = this.#step(historySeconds * 1000, FORECAST_POINTS);
    const [read] = await this.#read({ ...plugin, signals: [spec] }, instance, { from: historyFrom, to }, stepSeconds);
    const series = read?.series;
    if (!series || series.values.length === 0) throw new InsufficientDataError(0, MIN_FORECAST_POINTS);
    const timestamps = inMilliseconds(series);
    const horizonPoints = Math.max(1, Math.ceil(horizonSeconds / stepSeconds));
    const result = forecast({ timestamps, values: series.values }, { horizonPoints, stepMs: stepSeconds * 1000 });
    const limit = read.limit !== undefined && read.limit > 0 ? read.limit : undefined;
    const exhaustion =
      limit === undefined
        ? null
        : timeToThreshold(
            { timestamps, values: series.values },
            {
              limit,
              direction: exhaustionDirection(spec),
              forecast: result,
              horizonMs: horizonSeconds * 1000,
            },
          );
    return {
      signal: spec,
      historyFrom,
      stepSeconds,
      method: result.method,
      seasonPeriod: result.seasonPeriod,
      points: Array.from(result.timestamps, (t, h) => ({
        t,
        mean: result.mean[h] as number,
        lower80: result.lower80[h] as number,
        upper80: result.upper80[h] as number,
        lower95: result.lower95[h] as number,
        upper95: result.upper95[h] as number,
      })),
      limit: limit === undefined || !spec.limit ? null : { name: spec.limit.name, value: limit },
      exhaustion,
    };
  }

  #step(spanMs: number, points: number): number {
    return Math.max(this.#config.prometheus.scrapeIntervalSeconds, Math.ceil(spanMs / 1000 / points));
  }

  #read(plugin: MiddlewarePlugin, instance: Instance, window: Window, stepSeconds: number): Promise<SignalSeries[]> {
    return readSignalSeries(
      this.#prometheus,
      plugin,
      instance,
      window,
      this.#config.prometheus.scrapeIntervalSeconds,
      stepSeconds,
    );
  }
}

/** Prometheus gives Unix seconds; the detect and forecast domains work in ms. */
function inMilliseconds(series: RangeSeries): Float64Array {
  return series.timestamps.map((seconds) => seconds * 1000);
}

/** A signal that is bad when it falls (free space) runs out downward; every other one upward. */
function exhaustionDirection(spec: SignalSpec): 'above' | 'below' {
  return spec.badDirection === 'down' ? 'below' : 'above';
}

function analyse({ spec, series }: SignalSeries, window: Window, stepSeconds: number): SignalAnomalies {
  const base = { id: spec.id, name: spec.name, unit: spec.unit };
  if (!series || series.values.length < 3) {
    return { ...base, status: 'no-data', maxScore: 0, active: false, episodes: [] };
  }
  const timestamps = inMilliseconds(series);
  const fromMs = window.from.getTime();
  const first = timestamps[0] as number;
  const warmUp = Math.max(0, Math.round((fromMs - first) / (stepSeconds * 1000)));
  const detection = detectSeries({ timestamps, values: series.values }, { warmUp });
  const last = detection.timestamps[detection.timestamps.length - 1] ?? first;
  const episodes = detection.episodes.filter((episode) => episode.endMs >= fromMs);
  let maxScore = 0;
  for (const score of detection.scores) if (score > maxScore) maxScore = score;
  const active = episodes.some((episode) => episode.endMs >= last - 2 * detection.stepMs);
  return { ...base, status: 'ok', maxScore, active, episodes };
}

/** The soonest expected crossing of a limit among the signals that have one. */
function nearestExhaustion(all: readonly SignalSeries[], horizonMs: number): Exhaustion | null {
  let nearest: Exhaustion | null = null;
  for (const { spec, series, limit } of all) {
    if (!spec.limit || limit === undefined || !(limit > 0) || !series || series.values.length < 6) continue;
    const timestamps = inMilliseconds(series);
    let outcome: TimeToThreshold;
    try {
      outcome = timeToThreshold(
        { timestamps, values: series.values },
        { limit, direction: exhaustionDirection(spec), horizonMs },
      );
    } catch (error) {
      if (error instanceof InsufficientDataError) continue;
      throw error;
    }
    if (outcome.status === 'crossing' && (!nearest || outcome.at < nearest.at)) {
      nearest = {
        signal: spec.id,
        limitName: spec.limit.name,
        limit,
        at: outcome.at,
        earliest: outcome.earliest,
        latest: outcome.latest,
      };
    }
  }
  return nearest;
}
