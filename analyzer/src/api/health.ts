/** Liveness and readiness. Unauthenticated: orchestrators and load balancers call them. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from './deps.ts';

/** Orchestrators give probes about a second or two: answer within that, whatever the sources do. */
const PROBE_TIMEOUT_MS = 1500;

const SourceStatus = Type.Object({
  reachable: Type.Boolean(),
  latencyMs: Type.Integer(),
  error: Type.Optional(Type.String()),
});

export const healthRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: deps.version }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness and the reachability of each source',
        description:
          'Ready when Prometheus answers (required); degraded when only Elasticsearch (logs) is unreachable; 503 otherwise.',
        response: {
          '2xx': Type.Object({
            status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unready')]),
            sources: Type.Object({ prometheus: SourceStatus, elasticsearch: SourceStatus }),
          }),
          503: Type.Object({
            status: Type.Literal('unready'),
            sources: Type.Object({ prometheus: SourceStatus, elasticsearch: SourceStatus }),
          }),
        },
      },
    },
    async (_request, reply) => {
      const [prometheus, elasticsearch] = await Promise.all([
        probe(() => deps.prometheus.ping(Math.min(PROBE_TIMEOUT_MS, deps.config.prometheus.timeoutMs))),
        probe(() => deps.elasticsearch.ping(Math.min(PROBE_TIMEOUT_MS, deps.config.elasticsearch.timeoutMs))),
      ]);
      const status: 'ready' | 'degraded' | 'unready' = !prometheus.reachable
        ? 'unready'
        : elasticsearch.reachable
          ? 'ready'
          : 'degraded';
      reply.code(status === 'unready' ? 503 : 200);
      return { status, sources: { prometheus, elasticsearch } };
    },
  );
};

async function probe(ping: () => Promise<void>): Promise<{ reachable: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    await ping();
    return { reachable: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { reachable: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}
