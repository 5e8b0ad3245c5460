/** POST /api/v1/diagnose: findings for one instance, most severe first, each with its evidence. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from './deps.ts';
import { ErrorBody } from './errors.ts';
import { resolveInstance } from './instances.ts';
import { DiagnosisSchema, parseWindow, TimeParam } from './schemas.ts';

export const diagnoseRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { inventory, diagnoser, clock, config } = deps;
  app.post(
    '/api/v1/diagnose',
    {
      schema: {
        tags: ['diagnosis'],
        summary: 'Diagnose one instance over a window (default: the last diagnose.windowMinutes)',
        description:
          'Prometheus is required: when it cannot be read the answer is 503 naming it. Elasticsearch is supplementary: ' +
          'when logs cannot be read the report is returned with `partial: true` and `unavailable: ["elasticsearch"]`. ' +
          'A connector that cannot reach the middleware becomes a finding.',
        body: Type.Object(
          {
            instance: Type.String({ minLength: 1, description: 'Instance id from GET /api/v1/instances' }),
            from: Type.Optional(TimeParam),
            to: Type.Optional(TimeParam),
          },
          { additionalProperties: false },
        ),
        response: {
          200: DiagnosisSchema,
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const window = parseWindow(body.from, body.to, clock.now(), config.diagnose.windowMinutes, 'body');
      const { instance, plugin } = await resolveInstance(inventory, body.instance);
      return diagnoser.diagnose(instance, plugin, window);
    },
  );
};
