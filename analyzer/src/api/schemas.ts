/** Response and parameter schemas shared by routes; they also document the API in OpenAPI. */
import { Type } from 'typebox';
import { ApiError } from './errors.ts';

const Labels = Type.Record(Type.String(), Type.String());
const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);

export const InstanceSchema = Type.Object({
  id: Type.String({ description: '`<type>:<instance label>`, e.g. `redis:10.0.0.5:6379`' }),
  type: Type.String({ description: 'Plugin id (redis, postgresql, …)' }),
  name: Type.String({ description: 'The Prometheus instance label, usually host:port' }),
  displayName: Type.String(),
  category: Type.String(),
  labels: Labels,
  up: Type.Boolean({ description: "The exporter's view: true when it reaches the middleware" }),
});

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  lastDiagnosis: Type.Union([
    Type.Object({
      diagnosedAt: Type.String({ format: 'date-time' }),
      worst: Type.Union([Severity, Type.Literal('ok')]),
      findings: Type.Integer(),
    }),
    Type.Null(),
  ]),
  outlook: Type.Union(
    [
      Type.Object({
        checkedAt: Type.String({ format: 'date-time' }),
        activeAnomalies: Type.Integer({ description: 'Key signals with an anomaly still open' }),
        nearestExhaustion: Type.Union([
          Type.Object({
            signal: Type.String(),
            limitName: Type.String(),
            limit: Type.Number(),
            at: Type.String({ format: 'date-time' }),
            earliest: Type.String({ format: 'date-time' }),
            latest: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
          Type.Null(),
        ]),
      }),
      Type.Null(),
    ],
    { description: 'From the latest scan or anomalies call; null before the first' },
  ),
});

const LogLineSchema = Type.Object({
  timestamp: Type.String(),
  level: Type.String(),
  message: Type.String(),
});

const Unit = Type.String({
  description: 'bytes, ratio, percent, count, per_second, bytes_per_second, seconds, milliseconds',
});

export const EvidenceSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('signal'),
    signal: Type.String(),
    name: Type.String(),
    unit: Unit,
    last: Type.Number(),
    max: Type.Number(),
    limit: Type.Optional(Type.Number()),
  }),
  Type.Object({
    kind: Type.Literal('fact'),
    name: Type.String(),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
  }),
  Type.Object({
    kind: Type.Literal('log'),
    pattern: Type.Optional(Type.String()),
    count: Type.Integer(),
    lines: Type.Array(LogLineSchema),
  }),
]);

export const FindingSchema = Type.Object({
  id: Type.String({ description: '`<plugin>.<rule>`' }),
  rule: Type.String(),
  severity: Severity,
  title: Type.String(),
  explanation: Type.String(),
  evidence: Type.Array(EvidenceSchema),
  actions: Type.Array(Type.String(), { description: 'Remediation action ids that address this finding' }),
  faultClass: Type.Optional(Type.String({ description: 'The kind of fault the rule finds (memory-pressure, …)' })),
});

export const SignalValueSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  unit: Unit,
  badDirection: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('both')]),
  last: Type.Number(),
  first: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  mean: Type.Number(),
  points: Type.Integer(),
  limit: Type.Optional(Type.Number()),
});

export const DiagnosisSchema = Type.Object({
  instance: InstanceSchema,
  window: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }),
  partial: Type.Boolean({ description: 'True when a supplementary source (Elasticsearch) could not be read' }),
  unavailable: Type.Array(Type.String(), { description: 'Sources that could not be read' }),
  connector: Type.Object({
    configured: Type.Boolean({ description: 'False when no connection URL is set for this instance' }),
    ok: Type.Boolean(),
    error: Type.Optional(Type.String()),
  }),
  findings: Type.Array(FindingSchema, { description: 'Most severe first' }),
  signals: Type.Array(SignalValueSchema),
  signalsMissing: Type.Array(Type.String(), { description: 'Signal ids without data in the window' }),
  signalsAmbiguous: Type.Array(Type.String(), {
    description: 'Signal ids whose query matched several series for the instance (the first is used)',
  }),
  logs: Type.Object({
    available: Type.Boolean(),
    total: Type.Integer({ description: "The instance's lines in the window" }),
    scanned: Type.Integer({
      description:
        'The newest lines matched against notable patterns (diagnose.logLines at most): pattern counts cover these',
    }),
    byLevel: Type.Record(Type.String(), Type.Integer()),
  }),
  tookMs: Type.Integer(),
});

/** An epoch-ms time as the API writes it. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

export const TimeParam = Type.String({
  description: 'RFC 3339 time (2026-11-25T10:00:00Z) or Unix epoch milliseconds',
  minLength: 1,
});

export const InstanceParams = Type.Object({ id: Type.String({ minLength: 1, description: 'Instance id' }) });

const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** Parses a from/to pair (either may be absent) into a window ending now by default. */
export function parseWindow(
  from: string | undefined,
  to: string | undefined,
  now: Date,
  defaultMinutes: number,
  prefix = 'query',
): { from: Date; to: Date } {
  const end = to === undefined ? now : parseTime(to, `${prefix}/to`);
  const start =
    from === undefined ? new Date(end.getTime() - defaultMinutes * 60_000) : parseTime(from, `${prefix}/from`);
  if (start.getTime() >= end.getTime())
    throw new ApiError(400, 'BAD_REQUEST', `${prefix}/from must be before ${prefix}/to`);
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS) {
    throw new ApiError(400, 'BAD_REQUEST', `${prefix}/from..${prefix}/to must span at most 7 days`);
  }
  return { from: start, to: end };
}

/** RFC 3339: date, time, optional fraction, and a zone (Z or ±hh:mm). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(value: string, field: string): Date {
  const date = /^\d+$/.test(value)
    ? new Date(Number(value))
    : RFC3339.test(value)
      ? new Date(value)
      : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new ApiError(400, 'BAD_REQUEST', `${field} must be an RFC 3339 time or epoch milliseconds, got "${value}"`);
  }
  return date;
}
