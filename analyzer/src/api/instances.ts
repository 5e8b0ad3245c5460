/** The fleet, an instance's signals and its logs. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { readSignalSeries } from '../diagnose/observe.ts';
import { stepFor } from '../diagnose/summarize.ts';
import type { HealthOutlook } from '../fleet/signal-analysis.ts';
import type { Instance, Inventory } from '../inventory/inventory.ts';
import type { ApiDeps } from './deps.ts';
import { ApiError, ErrorBody } from './errors.ts';
import { HealthSchema, InstanceParams, InstanceSchema, isoTime, parseWindow, TimeParam } from './schemas.ts';

/** The instance and its plugin, or a 404 that says how to find valid ids. */
export async function resolveInstance(inventory: Inventory, id: string) {
  const instance = await inventory.get(id);
  const plugin = instance && inventory.plugin(instance.type);
  if (!instance || !plugin) {
    throw new ApiError(404, 'INSTANCE_NOT_FOUND', `no instance "${id}"; GET /api/v1/instances lists the known ones`);
  }
  return { instance, plugin };
}

function outlookJson(outlook: HealthOutlook | undefined) {
  if (!outlook) return null;
  const exhaustion = outlook.nearestExhaustion;
  return {
    checkedAt: outlook.checkedAt.toISOString(),
    activeAnomalies: outlook.activeAnomalies,
    nearestExhaustion: exhaustion && {
      signal: exhaustion.signal,
      limitName: exhaustion.limitName,
      limit: exhaustion.limit,
      at: isoTime(exhaustion.at),
      earliest: isoTime(exhaustion.earliest),
      latest: exhaustion.latest === undefined ? null : isoTime(exhaustion.latest),
    },
  };
}

/** Points per signal: a dashboard panel needs about one per pixel; more only costs memory. */
const MAX_POINTS = 5000;

const Failures = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 502: ErrorBody, 503: ErrorBody };

export const instanceRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { inventory, diagnoser, clock, elasticsearch, analysis } = deps;

  app.get(
    '/api/v1/instances',
    {
      schema: {
        tags: ['instances'],
        summary: 'Every middleware instance found through Prometheus, with a health summary',
        querystring: Type.Object(
          {
            type: Type.Optional(Type.String({ description: 'Only this plugin id (redis, postgresql, …)' })),
            status: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            instances: Type.Array(Type.Intersect([InstanceSchema, Type.Object({ health: HealthSchema })])),
          }),
          ...Failures,
        },
      },
    },
    async (request) => {
      const { type, status } = request.query;
      const instances = (await inventory.list())
        .filter((instance) => type === undefined || instance.type === type)
        .filter((instance) => status === undefined || (status === 'up') === instance.up)
        .map((instance: Instance) => ({
          ...instance,
          health: {
            status: instance.up ? ('up' as const) : ('down' as const),
            lastDiagnosis: diagnoser.latest(instance.id) ?? null,
            outlook: outlookJson(analysis.outlook(instance.id)),
          },
        }));
      return { instances };
    },
  );

  app.get(
    '/api/v1/instances/:id/signals',
    {
      schema: {
        tags: ['instances'],
        summary: "An instance's key signals as series over a window (default: the last hour)",
        params: InstanceParams,
        querystring: Type.Object(
          {
            from: Type.Optional(TimeParam),
            to: Type.Optional(TimeParam),
            step: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'Seconds between points' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            instance: InstanceSchema,
            window: Type.Object({ from: Type.String(), to: Type.String(), step: Type.Integer() }),
            signals: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                unit: Type.String(),
                badDirection: Type.String(),
                description: Type.String(),
                limit: Type.Union([Type.Object({ name: Type.String(), value: Type.Number() }), Type.Null()]),
                timestamps: Type.Array(Type.Number(), { description: 'Unix seconds' }),
                values: Type.Array(Type.Union([Type.Number(), Type.Null()]), { description: 'null where NaN' }),
              }),
            ),
          }),
          ...Failures,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const query = request.query;
      const window = parseWindow(query.from, query.to, clock.now(), 60);
      const { instance, plugin } = await resolveInstance(inventory, id);
      const step = query.step ?? stepFor(window.from, window.to);
      if ((window.to.getTime() - window.from.getTime()) / 1000 / step > MAX_POINTS) {
        throw new ApiError(
          400,
          'BAD_REQUEST',
          `querystring/step is too small for this window (more than ${MAX_POINTS} points per signal)`,
        );
      }
      const all = await readSignalSeries(
        deps.prometheus,
        plugin,
        instance,
        window,
        deps.config.prometheus.scrapeIntervalSeconds,
        step,
      );
      return {
        instance,
        window: { from: window.from.toISOString(), to: window.to.toISOString(), step },
        signals: all.map(({ spec, series, limit }) => ({
          id: spec.id,
          name: spec.name,
          unit: spec.unit,
          badDirection: spec.badDirection,
          description: spec.description,
          limit: spec.limit && limit !== undefined ? { name: spec.limit.name, value: limit } : null,
          timestamps: series ? Array.from(series.timestamps) : [],
          values: series ? Array.from(series.values, (value) => (Number.isFinite(value) ? value : null)) : [],
        })),
      };
    },
  );

  app.get(
    '/api/v1/instances/:id/logs',
    {
      schema: {
        tags: ['instances'],
        summary: "An instance's recent log lines and level counts from Elasticsearch (default: the last hour)",
        params: InstanceParams,
        querystring: Type.Object(
          {
            from: Type.Optional(TimeParam),
            to: Type.Optional(TimeParam),
            level: Type.Optional(Type.String({ description: 'Comma-separated levels, e.g. error,warning' })),
            q: Type.Optional(Type.String({ maxLength: 500, description: 'Words that must all appear in the message' })),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            instance: InstanceSchema,
            window: Type.Object({ from: Type.String(), to: Type.String() }),
            total: Type.Integer({ description: 'Lines matching the filter in the window' }),
            levels: Type.Record(Type.String(), Type.Integer(), { description: 'Counts per level, ignoring `level`' }),
            lines: Type.Array(Type.Object({ timestamp: Type.String(), level: Type.String(), message: Type.String() })),
          }),
          ...Failures,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const query = request.query;
      const window = parseWindow(query.from, query.to, clock.now(), 60);
      const { instance, plugin } = await resolveInstance(inventory, id);
      const base = { ...window, serviceType: plugin.logs.serviceType, instance: instance.name };
      const levels = query.level
        ?.split(',')
        .map((level) => level.trim().toLowerCase())
        .filter(Boolean);
      const filter = { ...base, ...(levels?.length ? { levels } : {}), ...(query.q ? { text: query.q } : {}) };
      const [counts, found] = await Promise.all([
        elasticsearch.terms(base, 'log.level'),
        elasticsearch.search(filter, query.limit),
      ]);
      return {
        instance,
        window: { from: window.from.toISOString(), to: window.to.toISOString() },
        total: found.total,
        levels: counts,
        lines: found.lines.map(({ timestamp, level, message }) => ({ timestamp, level, message })),
      };
    },
  );
};
