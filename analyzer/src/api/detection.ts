/**
 * Is this normal, and when will it break? Detection on any series (a panel's data), anomalies of an
 * instance's key signals, fleet scans, and forecasts with time to exhaustion.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { detectSeries, type TimedEpisode } from '../detect/detect-series.ts';
import type { Scan } from '../fleet/scan.ts';
import { type InstanceAnomalies, UnknownSignalError } from '../fleet/signal-analysis.ts';
import { InsufficientDataError } from '../forecast/index.ts';
import type { ApiDeps } from './deps.ts';
import { ApiError, ErrorBody } from './errors.ts';
import { resolveInstance } from './instances.ts';
import { InstanceParams, isoTime, parseWindow, TimeParam } from './schemas.ts';

export const MIN_DETECT_POINTS = 20;
export const MAX_DETECT_POINTS = 100_000;
const HOUR = 3600;
const MAX_HORIZON = 7 * 24 * HOUR;

const EpisodeSchema = Type.Object({
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  peak: Type.String({ format: 'date-time' }),
  score: Type.Number({ description: 'Highest anomaly score in the episode, 0..1' }),
  kind: Type.Union([
    Type.Literal('spike'),
    Type.Literal('dip'),
    Type.Literal('level_shift'),
    Type.Literal('trend_change'),
    Type.Literal('variance_change'),
    Type.Literal('seasonality_break'),
  ]),
  direction: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  expected: Type.Object(
    { low: Type.Union([Type.Number(), Type.Null()]), high: Type.Union([Type.Number(), Type.Null()]) },
    { description: 'The range the series kept just before the episode' },
  ),
  extremeValue: Type.Number(),
  magnitude: Type.Number({ description: 'How far the extreme value lies outside the expected band' }),
});

function episodeJson(episode: TimedEpisode) {
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    start: isoTime(episode.startMs),
    end: isoTime(episode.endMs),
    peak: isoTime(episode.peakMs),
    score: episode.score,
    kind: episode.kind,
    direction: episode.direction,
    expected: { low: finite(episode.expected.low), high: finite(episode.expected.high) },
    extremeValue: episode.extremeValue,
    magnitude: episode.magnitude,
  };
}

const SignalAnomaliesSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('no-data')]),
  maxScore: Type.Number(),
  active: Type.Boolean({ description: 'An episode is still open at the end of the window' }),
  episodes: Type.Array(EpisodeSchema),
});

const InstanceAnomaliesSchema = Type.Object({
  window: Type.Object({ from: Type.String(), to: Type.String(), baselineFrom: Type.String(), step: Type.Integer() }),
  activeAnomalies: Type.Integer(),
  signals: Type.Array(SignalAnomaliesSchema),
});

function anomaliesJson(result: InstanceAnomalies) {
  return {
    window: {
      from: result.window.from.toISOString(),
      to: result.window.to.toISOString(),
      baselineFrom: result.baselineFrom.toISOString(),
      step: result.stepSeconds,
    },
    activeAnomalies: result.activeAnomalies,
    signals: result.signals.map((signal) => ({ ...signal, episodes: signal.episodes.map(episodeJson) })),
  };
}

const ScanSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  progress: Type.Object({ total: Type.Integer(), done: Type.Integer() }),
  results: Type.Array(
    Type.Object({ instance: Type.String(), type: Type.String(), anomalies: InstanceAnomaliesSchema }),
  ),
  notScanned: Type.Array(Type.Object({ instance: Type.String(), reason: Type.String() })),
});

function scanJson(scan: Scan) {
  return {
    id: scan.id,
    status: scan.status,
    startedAt: scan.startedAt.toISOString(),
    finishedAt: scan.finishedAt?.toISOString() ?? null,
    window: { from: scan.window.from.toISOString(), to: scan.window.to.toISOString() },
    progress: { ...scan.progress },
    results: scan.results.map((result) => ({ ...result, anomalies: anomaliesJson(result.anomalies) })),
    notScanned: [...scan.notScanned],
  };
}

/** Checks a posted series and names the first thing wrong with it. */
function readSeries(timestamps: readonly number[], values: ReadonlyArray<number | null>) {
  if (timestamps.length !== values.length) {
    throw new ApiError(
      400,
      'BAD_REQUEST',
      `body/timestamps has ${timestamps.length} items but body/values has ${values.length}; they must pair up`,
    );
  }
  if (timestamps.length < MIN_DETECT_POINTS) {
    throw new ApiError(
      400,
      'BAD_REQUEST',
      `the series is too short: ${timestamps.length} points, at least ${MIN_DETECT_POINTS}`,
    );
  }
  const times = new Float64Array(timestamps.length);
  const numbers = new Float64Array(values.length);
  for (let i = 0; i < timestamps.length; i += 1) {
    const time = timestamps[i] as number;
    const value = values[i];
    if (!Number.isFinite(time)) throw new ApiError(400, 'BAD_REQUEST', `body/timestamps/${i} is not a finite number`);
    if (i > 0 && time === timestamps[i - 1]) {
      throw new ApiError(400, 'BAD_REQUEST', `body/timestamps/${i} duplicates the timestamp before it (${time})`);
    }
    if (i > 0 && time < (timestamps[i - 1] as number)) {
      throw new ApiError(
        400,
        'BAD_REQUEST',
        `body/timestamps/${i} is earlier than the one before it: timestamps must ascend`,
      );
    }
    if (value !== null && value !== undefined && !Number.isFinite(value)) {
      throw new ApiError(400, 'BAD_REQUEST', `body/values/${i} is not a finite number (use null for a gap)`);
    }
    times[i] = time;
    numbers[i] = value ?? Number.NaN;
  }
  return { timestamps: times, values: numbers };
}

export const detectionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { inventory, clock, analysis, scanner } = deps;

  app.post(
    '/api/v1/detect',
    {
      // Room for MAX_DETECT_POINTS pairs, so that a long series gets the schema's 400 rather than a 413.
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['detection'],
        summary: 'Anomaly scores and episodes of any series (for example a panel’s data)',
        description:
          'Irregular sampling is put on an even grid (the median spacing; short gaps interpolated, long ones kept). ' +
          'A counter is scored as its per-second rate. Daily or weekly seasonality is found automatically.',
        body: Type.Object(
          {
            timestamps: Type.Array(Type.Number(), {
              maxItems: MAX_DETECT_POINTS,
              description: 'Epoch milliseconds, strictly ascending',
            }),
            values: Type.Array(Type.Union([Type.Number(), Type.Null()]), {
              maxItems: MAX_DETECT_POINTS,
              description: 'null marks a gap',
            }),
            counter: Type.Optional(Type.Boolean({ description: 'The values are a monotonic counter' })),
            threshold: Type.Optional(
              Type.Number({ minimum: 0, maximum: 1, description: 'Score that opens an episode' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            step: Type.Number({ description: 'Grid step, ms' }),
            seasonPeriod: Type.Integer({ description: 'Season in grid points, 0 when none' }),
            warmUp: Type.Integer({ description: 'Grid points learnt before scoring' }),
            threshold: Type.Number(),
            timestamps: Type.Array(Type.Number()),
            scores: Type.Array(Type.Number()),
            episodes: Type.Array(EpisodeSchema),
          }),
          400: ErrorBody,
          401: ErrorBody,
          413: ErrorBody,
        },
      },
    },
    async (request) => {
      const { timestamps, values, counter, threshold } = request.body;
      const series = readSeries(timestamps, values);
      const result = detectSeries(series, {
        ...(counter === undefined ? {} : { counter }),
        ...(threshold === undefined ? {} : { threshold }),
      });
      return {
        step: result.stepMs,
        seasonPeriod: result.seasonPeriod,
        warmUp: result.warmUp,
        threshold: result.threshold,
        timestamps: Array.from(result.timestamps),
        scores: Array.from(result.scores),
        episodes: result.episodes.map(episodeJson),
      };
    },
  );

  app.get(
    '/api/v1/instances/:id/anomalies',
    {
      schema: {
        tags: ['detection'],
        summary: 'Anomalies of every key signal of an instance over a window (default: the last hour)',
        description: 'The detector learns from a baseline as long as the window, just before it.',
        params: InstanceParams,
        querystring: Type.Object(
          { from: Type.Optional(TimeParam), to: Type.Optional(TimeParam) },
          { additionalProperties: false },
        ),
        response: {
          200: InstanceAnomaliesSchema,
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const window = parseWindow(request.query.from, request.query.to, clock.now(), 60);
      const { instance, plugin } = await resolveInstance(inventory, request.params.id);
      return anomaliesJson(await analysis.anomalies(instance, plugin, window));
    },
  );

  app.get(
    '/api/v1/instances/:id/forecast',
    {
      schema: {
        tags: ['detection'],
        summary: 'Forecast of one key signal with 80 % / 95 % intervals, and when it reaches its limit',
        params: InstanceParams,
        querystring: Type.Object(
          {
            signal: Type.String({ minLength: 1, description: 'Signal id (see /signals)' }),
            horizon: Type.Integer({
              minimum: 60,
              maximum: MAX_HORIZON,
              default: 24 * HOUR,
              description: 'Seconds ahead',
            }),
            history: Type.Optional(
              Type.Integer({
                minimum: 60,
                maximum: MAX_HORIZON,
                description: 'Seconds of history (default 4 × horizon, at least 1 h, at most 7 days)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            signal: Type.String(),
            unit: Type.String(),
            method: Type.String(),
            seasonPeriod: Type.Integer(),
            history: Type.Object({ from: Type.String(), step: Type.Integer() }),
            points: Type.Array(
              Type.Object({
                t: Type.String(),
                mean: Type.Number(),
                lower80: Type.Number(),
                upper80: Type.Number(),
                lower95: Type.Number(),
                upper95: Type.Number(),
              }),
            ),
            limit: Type.Union([Type.Object({ name: Type.String(), value: Type.Number() }), Type.Null()]),
            exhaustion: Type.Union([
              Type.Object({
                status: Type.Literal('crossing'),
                at: Type.String(),
                earliest: Type.String(),
                latest: Type.Union([Type.String(), Type.Null()]),
                inSeconds: Type.Number(),
              }),
              Type.Object({ status: Type.Literal('already-crossed'), since: Type.String() }),
              Type.Object({
                status: Type.Literal('not-within-horizon'),
                earliest: Type.Union([Type.String(), Type.Null()]),
              }),
              Type.Null(),
            ]),
          }),
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
          422: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { signal, horizon } = request.query;
      const history = request.query.history ?? Math.min(MAX_HORIZON, Math.max(HOUR, 4 * horizon));
      const { instance, plugin } = await resolveInstance(inventory, request.params.id);
      let result: Awaited<ReturnType<typeof analysis.forecast>>;
      try {
        result = await analysis.forecast(instance, plugin, signal, horizon, history);
      } catch (error) {
        if (error instanceof UnknownSignalError)
          throw new ApiError(400, 'BAD_REQUEST', `querystring/signal: ${error.message}`);
        if (error instanceof InsufficientDataError) throw new ApiError(422, 'INSUFFICIENT_DATA', error.message);
        throw error;
      }
      const now = clock.now().getTime();
      const exhaustion = result.exhaustion;
      return {
        signal: result.signal.id,
        unit: result.signal.unit,
        method: result.method,
        seasonPeriod: result.seasonPeriod,
        history: { from: result.historyFrom.toISOString(), step: result.stepSeconds },
        points: result.points.map((point) => ({ ...point, t: isoTime(point.t) })),
        limit: result.limit,
        exhaustion:
          exhaustion === null
            ? null
            : exhaustion.status === 'crossing'
              ? {
                  status: exhaustion.status,
                  at: isoTime(exhaustion.at),
                  earliest: isoTime(exhaustion.earliest),
                  latest: exhaustion.latest === undefined ? null : isoTime(exhaustion.latest),
                  inSeconds: Math.max(0, (exhaustion.at - now) / 1000),
                }
              : exhaustion.status === 'already-crossed'
                ? { status: exhaustion.status, since: isoTime(exhaustion.since) }
                : {
                    status: exhaustion.status,
                    earliest: exhaustion.earliest === undefined ? null : isoTime(exhaustion.earliest),
                  },
      };
    },
  );

  app.post(
    '/api/v1/scan',
    {
      schema: {
        tags: ['detection'],
        summary: 'Scan every instance’s key signals for anomalies (default window: the last hour)',
        description:
          'Instances are read `concurrency` at a time. Without `wait` the answer is 202 with the scan to poll at ' +
          'GET /api/v1/scans/{id} (progress.done of progress.total); with `wait: true` it is the finished scan. ' +
          'An instance whose reads fail or exceed `instanceTimeoutSeconds` is listed in notScanned.',
        body: Type.Object(
          {
            from: Type.Optional(TimeParam),
            to: Type.Optional(TimeParam),
            concurrency: Type.Integer({ minimum: 1, maximum: 16, default: 4 }),
            instanceTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 300, default: 30 }),
            wait: Type.Boolean({ default: false }),
          },
          { additionalProperties: false },
        ),
        response: { 200: ScanSchema, 202: ScanSchema, 400: ErrorBody, 401: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const window = parseWindow(body.from, body.to, clock.now(), 60, 'body');
      const { scan, finished } = await scanner.start({
        window,
        concurrency: body.concurrency,
        instanceTimeoutMs: body.instanceTimeoutSeconds * 1000,
      });
      if (body.wait) return scanJson(await finished);
      reply.code(202).header('location', `/api/v1/scans/${scan.id}`);
      return scanJson(scan);
    },
  );

  app.get(
    '/api/v1/scans/:id',
    {
      schema: {
        tags: ['detection'],
        summary: 'A scan’s progress, and its results once done',
        params: Type.Object({ id: Type.String({ minLength: 1 }) }),
        response: { 200: ScanSchema, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const found = scanner.get(request.params.id);
      if (!found) {
        throw new ApiError(
          404,
          'SCAN_NOT_FOUND',
          `no scan "${request.params.id}" (the last 20 finished scans are kept)`,
        );
      }
      return scanJson(found.scan);
    },
  );
};
