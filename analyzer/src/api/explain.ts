/**
 * POST /api/v1/explain (a Grafana panel) and POST /api/v1/rca (an alert or an instance): what is wrong, why,
 * with evidence, known cases and the actions that address it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type RcaRequest, UnknownTargetError } from '../rca/analyze.ts';
import { narrate } from '../rca/narrate.ts';
import { instanceOfLabels } from '../rca/observe.ts';
import { ExplainInputError, resolvePanelQueries } from '../rca/panel.ts';
import type { ApiDeps } from './deps.ts';
import { ApiError, ErrorBody } from './errors.ts';
import { AnalysisSchema, ExplainBodySchema, RcaBodySchema } from './explain-schemas.ts';
import { parseWindow } from './schemas.ts';
import { replyWithEvents } from './sse.ts';

/** How far before an alert's start the window of its analysis opens: the cause comes first. */
const ALERT_LEAD_MINUTES = 30;

const responses = {
  200: AnalysisSchema,
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  422: ErrorBody,
  502: ErrorBody,
  503: ErrorBody,
};

export const explainRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { rca, narrator, config, clock, inventory } = deps;

  const checkLength = (window: { from: Date; to: Date }, prefix: string) => {
    const minutes = (window.to.getTime() - window.from.getTime()) / 60_000;
    if (minutes > config.rca.maxWindowMinutes) {
      throw new ApiError(
        400,
        'WINDOW_TOO_LARGE',
        `${prefix}/from..${prefix}/to spans ${Math.round(minutes)} minutes; at most ${config.rca.maxWindowMinutes} (setting rca.maxWindowMinutes)`,
      );
    }
  };

  /**
   * Analyses, then narrates. With `Accept: text/event-stream` the answer streams: an `analysis` event (with the
   * deterministic narrative) as soon as the evidence is ranked, `delta` events while the LLM writes, then the
   * `narrative` that stands. Otherwise one JSON answer with the narrative in it.
   */
  const run = async (http: FastifyRequest, reply: FastifyReply, request: RcaRequest) => {
    let analysis: Awaited<ReturnType<typeof rca.analyze>>;
    try {
      analysis = await rca.analyze(request);
    } catch (error) {
      if (error instanceof ExplainInputError) throw new ApiError(400, error.code, error.message);
      if (error instanceof UnknownTargetError) throw new ApiError(422, 'NO_DATA', error.message);
      throw error;
    }
    if (!wantsEvents(http)) {
      analysis.narrative = await narrate(narrator, analysis);
      return analysis;
    }
    await replyWithEvents(http, reply, async (events) => {
      events.send('analysis', analysis);
      const narrative = await narrate(narrator, analysis, {
        signal: events.signal,
        onDelta: (text) => events.send('delta', { text }),
      });
      events.send('narrative', narrative);
    });
    return reply;
  };

  app.post(
    '/api/v1/explain',
    {
      schema: {
        tags: ['diagnosis'],
        summary: 'Explain a Grafana panel: what went wrong in its data, the likely root cause, and what to do',
        description:
          "Resolves the panel's Prometheus and Elasticsearch queries through the configured data-source uids " +
          '(setting `datasources`), scores them and every instance key signal over the window and a baseline before ' +
          'it, runs the plugin rules, mines log patterns, ranks root-cause hypotheses with their evidence and matches ' +
          'known fault cases. Unknown data-source uids, unsupported query languages, panels without queries and ' +
          'windows longer than rca.maxWindowMinutes answer 400; queries without data 422; Prometheus down 503. ' +
          'Without Elasticsearch or the knowledge base the answer is marked partial.',
        body: ExplainBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const window = parseWindow(body.from, body.to, clock.now(), config.diagnose.windowMinutes, 'body');
      checkLength(window, 'body');
      let queries: ReturnType<typeof resolvePanelQueries>;
      try {
        queries = resolvePanelQueries({ panel: body.panel, targets: body.targets }, config.datasources);
      } catch (error) {
        if (error instanceof ExplainInputError) throw new ApiError(400, error.code, error.message);
        throw error;
      }
      return run(request, reply, { kind: 'panel', title: body.panel.title ?? 'panel', queries, window });
    },
  );

  app.post(
    '/api/v1/rca',
    {
      schema: {
        tags: ['diagnosis'],
        summary: 'Root-cause analysis for an alert or an instance',
        description:
          'Give `instance` (and optionally one of its `signal`s) or a firing `alert` whose labels name the instance ' +
          '(`instance` = the host:port label, or `kubestack_instance` = the instance id). The window defaults to ' +
          `${ALERT_LEAD_MINUTES} minutes before the alert started until now, or the last diagnose.windowMinutes.`,
        body: RcaBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.instance === undefined && body.alert === undefined) {
        throw new ApiError(400, 'BAD_REQUEST', 'body must have instance or alert');
      }
      const instances = await inventory.list();
      const instance =
        body.instance !== undefined
          ? instances.find((known) => known.id === body.instance)
          : instanceOfLabels(body.alert?.labels ?? {}, instances);
      const expr = body.instance === undefined ? alertExpression(body.alert?.generatorURL) : undefined;
      if (!instance && expr === undefined) {
        throw new ApiError(
          404,
          'INSTANCE_NOT_FOUND',
          body.instance !== undefined
            ? `unknown instance "${body.instance}"`
            : 'no known instance matches the alert labels (instance or kubestack_instance), and its generatorURL holds no expression',
        );
      }
      const startsAt = body.alert?.startsAt;
      const startMs =
        startsAt === undefined ? Number.NaN : /^\d+$/.test(startsAt) ? Number(startsAt) : Date.parse(startsAt);
      if (startsAt !== undefined && Number.isNaN(startMs)) {
        throw new ApiError(400, 'BAD_REQUEST', `body/alert/startsAt must be an RFC 3339 time, got "${startsAt}"`);
      }
      const from =
        body.from ??
        (startsAt === undefined ? undefined : new Date(startMs - ALERT_LEAD_MINUTES * 60_000).toISOString());
      const window = parseWindow(from, body.to, clock.now(), config.diagnose.windowMinutes, 'body');
      checkLength(window, 'body');
      const alertName = body.alert?.labels.alertname;
      if (!instance && expr !== undefined) {
        // An alert about no single instance (a fleet-wide rule): its own expression is the target.
        return run(request, reply, {
          kind: 'panel',
          title: alertName ?? 'alert',
          queries: [{ refId: 'A', language: 'promql', expr, dataSourceUid: 'alert' }],
          window,
          alerted: true,
        });
      }
      if (!instance) throw new ApiError(404, 'INSTANCE_NOT_FOUND', 'no known instance matches the alert labels');
      return run(request, reply, {
        kind: 'instance',
        instanceId: instance.id,
        ...(body.signal === undefined ? {} : { signal: body.signal }),
        window,
        alerted: body.alert !== undefined,
        ...(alertName === undefined ? {} : { title: alertName }),
      });
    },
  );
};

/** The PromQL of a Prometheus or Alertmanager alert, from its generator URL (`…/graph?g0.expr=…`). */
export function alertExpression(generatorURL: string | undefined): string | undefined {
  if (generatorURL === undefined) return undefined;
  try {
    const expr = new URL(generatorURL).searchParams.get('g0.expr')?.trim();
    return expr ? expr : undefined;
  } catch {
    return undefined;
  }
}

function wantsEvents(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}
