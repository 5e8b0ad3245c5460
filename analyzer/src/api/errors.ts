/** The one error shape of every route: `{ statusCode, error, code, message, source? }`. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { SourceError } from '../sources/errors.ts';

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    code: Type.String({ description: 'Stable machine-readable code' }),
    message: Type.String({ description: 'What was wrong, naming the field or source' }),
    source: Type.Optional(Type.String({ description: 'The unreachable source, on 503' })),
  },
  { $id: 'Error' },
);

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, code: string, message: string, source?: string) {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', code, message, ...(source ? { source } : {}) };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((error: FastifyError | ApiError | SourceError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.statusCode).send(errorBody(error.statusCode, error.code, error.message));
    }
    if (error instanceof SourceError) {
      if (!error.unavailable) return reply.code(400).send(errorBody(400, 'BAD_QUERY', error.message));
      request.log.warn({ source: error.source, failure: error.failure }, error.message);
      return reply.code(503).send(errorBody(503, 'SOURCE_UNAVAILABLE', error.message, error.source));
    }
    if ('validation' in error && error.validation) {
      return reply.code(400).send(errorBody(400, 'BAD_REQUEST', error.message));
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status, error.code ?? 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody(500, 'INTERNAL', 'internal error; the analyzer log has the details'));
  });
}
