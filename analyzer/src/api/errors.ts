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
    source: Type.Optional(Type.String({ description: 'The source that failed, on 502 and 503' })),
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
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The closed set of codes for client errors Fastify raises itself (body parsing, sizes, media types). */
const CLIENT_ERROR_CODES: Record<number, string> = {
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
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
      request.log.warn({ source: error.source, failure: error.failure }, error.message);
      // The analyzer builds every query itself: a query the source rejects is never the caller's fault.
      if (!error.unavailable)
        return reply.code(502).send(errorBody(502, 'SOURCE_QUERY_FAILED', error.message, error.source));
      return reply.code(503).send(errorBody(503, 'SOURCE_UNAVAILABLE', error.message, error.source));
    }
    if ('validation' in error && error.validation) {
      // Ajv's message for an unknown property does not say which one; the caller needs the name.
      const extra = error.validation.find((issue) => issue.keyword === 'additionalProperties');
      const name = (extra?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const message = name ? `${error.message}: "${name}"` : error.message;
      return reply.code(400).send(errorBody(400, 'BAD_REQUEST', message));
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const known = CLIENT_ERROR_CODES[status];
      return reply
        .code(known ? status : 400)
        .send(errorBody(known ? status : 400, known ?? 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody(500, 'INTERNAL', 'internal error; the analyzer log has the details'));
  });
}
