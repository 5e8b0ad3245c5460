/** Builds the analyzer's Fastify app from a validated configuration. */
import swagger from '@fastify/swagger';
import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireBearerToken } from './api/auth.ts';
import type { ApiDeps } from './api/deps.ts';
import { detectionRoutes } from './api/detection.ts';
import { diagnoseRoutes } from './api/diagnose.ts';
import { registerErrorHandling } from './api/errors.ts';
import { explainRoutes } from './api/explain.ts';
import { healthRoutes } from './api/health.ts';
import { instanceRoutes } from './api/instances.ts';
import { kbRoutes } from './api/kb.ts';
import { registerValidation } from './api/validation.ts';
import { type Clock, systemClock } from './clock.ts';
import { checkConnectorPlugins } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { Diagnoser } from './diagnose/diagnose.ts';
import { Scanner } from './fleet/scan.ts';
import { SignalAnalysis } from './fleet/signal-analysis.ts';
import { Inventory } from './inventory/inventory.ts';
import { KnowledgeBase } from './kb/knowledge-base.ts';
import { LlmNarrator } from './llm/index.ts';
import { registerMetrics } from './observability/metrics.ts';
import { RootCauseAnalyzer } from './rca/analyze.ts';
import { knowledgeBaseCases } from './rca/cases.ts';
import { elasticsearchLogPatterns } from './rca/log-surges.ts';
import { ElasticsearchSource } from './sources/elasticsearch.ts';
import { PrometheusSource } from './sources/prometheus.ts';

export const VERSION = '0.1.0';

export interface AppOptions {
  config: Config;
  /** The bearer token every API call must carry. */
  token: string;
  /** The installed middleware plugins (see plugins/registry.ts). */
  plugins: readonly MiddlewarePlugin[];
  clock?: Clock;
  /** Pino logger options; false silences the log (tests). */
  logger?: boolean | Record<string, unknown>;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, token } = options;
  checkConnectorPlugins(
    config,
    options.plugins.map((plugin) => plugin.id),
  );
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    bodyLimit: 1024 * 1024,
  });
  registerErrorHandling(app);
  registerValidation(app);
  const metrics = registerMetrics(app);

  const prometheus = new PrometheusSource(config.prometheus);
  const elasticsearch = new ElasticsearchSource(config.elasticsearch);
  const inventory = new Inventory(prometheus, options.plugins, config.inventory.cacheSeconds, clock);
  const diagnoser = new Diagnoser({ prometheus, elasticsearch, inventory, config, clock });
  const analysis = new SignalAnalysis({ prometheus, config, clock });
  const scanner = new Scanner({ inventory, analysis, clock });
  // Opens in the background: the API answers meanwhile, and knowledge-base routes answer 503 if it cannot open.
  const { baseUrl, model, apiKey, timeoutMs } = config.embeddings;
  const knowledgeBase = KnowledgeBase.open({
    uri: config.kb.uri,
    plugins: options.plugins,
    embeddings: baseUrl && model ? { baseUrl, model, apiKey, timeoutMs } : undefined,
    log: app.log,
  });
  app.addHook('onClose', () => knowledgeBase.close());
  const rca = new RootCauseAnalyzer({
    prometheus,
    elasticsearch,
    inventory,
    diagnoser,
    logs: elasticsearchLogPatterns(elasticsearch),
    cases: knowledgeBaseCases(knowledgeBase),
    config,
    clock,
  });
  const deps: ApiDeps = {
    config,
    clock,
    prometheus,
    elasticsearch,
    inventory,
    diagnoser,
    analysis,
    scanner,
    knowledgeBase,
    rca,
    narrator: new LlmNarrator(config.llm),
    version: VERSION,
  };

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'KubeStack-AI analyzer',
        version: VERSION,
        description: 'Middleware inventory, signals, logs and diagnosis with evidence.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'health', description: 'Liveness and readiness (no token needed)' },
        { name: 'instances', description: 'The middleware fleet' },
        { name: 'diagnosis', description: 'What is wrong, with evidence' },
        { name: 'detection', description: 'Is this normal, and when will it break: anomalies, scans, forecasts' },
        { name: 'knowledge', description: 'Known fault cases: search, read, add and update' },
      ],
    },
  });

  await app.register(healthRoutes, deps);
  await app.register(async (secured) => {
    requireBearerToken(secured, token);
    secured.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(metrics.contentType);
      return metrics.metrics();
    });
    secured.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await secured.register(instanceRoutes, deps);
    await secured.register(diagnoseRoutes, deps);
    await secured.register(detectionRoutes, deps);
    await secured.register(kbRoutes, deps);
    await secured.register(explainRoutes, deps);
  });
  return app;
}
