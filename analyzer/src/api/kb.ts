/**
 * The knowledge base of fault cases: search (or list), read, add and update. Writes need the operator
 * role or above; a case may only name signals, rules and actions its plugin has.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type FaultCase, FaultCaseSchema, FaultClassSchema } from '../kb/case.ts';
import { referenceProblems } from '../kb/case-checks.ts';
import {
  CaseConflictError,
  CaseNotFoundError,
  type KnowledgeBase,
  KnowledgeBaseUnavailableError,
} from '../kb/knowledge-base.ts';
import type { ApiDeps } from './deps.ts';
import { ApiError, ErrorBody, errorBody } from './errors.ts';
import { requireRole } from './identity.ts';

const CaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'Case id' }) });

const Retriever = Type.Enum(['fulltext', 'vector']);

const SearchResultSchema = Type.Object({
  retrieval: Type.Enum(['list', 'fulltext', 'hybrid'], {
    description:
      'list: no query, cases by id; fulltext: full-text search alone (no embeddings endpoint, or it failed); ' +
      'hybrid: full text and vectors fused by reciprocal rank',
  }),
  vectorError: Type.Optional(
    Type.String({ description: 'Why vectors did not take part although an embeddings endpoint is configured' }),
  ),
  total: Type.Integer({ description: 'Cases matching the filters (list), or cases returned (search)' }),
  results: Type.Array(
    Type.Object({
      score: Type.Union([Type.Number(), Type.Null()], {
        description: 'Reciprocal-rank-fusion score, the sum of 1 / (60 + rank) over retrievers; null in a list',
      }),
      retrievers: Type.Array(Retriever, { description: 'The retrievers that found the case' }),
      case: FaultCaseSchema,
    }),
  ),
});

const Writes = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 503: ErrorBody };

async function requireOperator(request: FastifyRequest): Promise<void> {
  requireRole(request, 'operator');
}

/** A 400 naming every signal, rule or action the case names that its plugin lacks. */
function checkReferences(kb: KnowledgeBase, faultCase: FaultCase): void {
  const problems = referenceProblems(faultCase, kb.plugins);
  if (problems.length > 0) throw new ApiError(400, 'BAD_REQUEST', problems.map((line) => `body${line}`).join('; '));
}

function checkMiddleware(kb: KnowledgeBase, middleware: string | undefined): void {
  if (middleware === undefined || kb.plugins.some((plugin) => plugin.id === middleware)) return;
  const known = kb.plugins.map((plugin) => plugin.id).join(', ');
  throw new ApiError(400, 'BAD_REQUEST', `querystring/middleware: no plugin "${middleware}" (installed: ${known})`);
}

export const kbRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const kb = deps.knowledgeBase;

  // Errors of the knowledge base in the one error shape; everything else goes on to the app's handler.
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof KnowledgeBaseUnavailableError) {
      request.log.warn({ source: 'knowledge base' }, error.message);
      return reply.code(503).send(errorBody(503, 'SOURCE_UNAVAILABLE', error.message, 'knowledge base'));
    }
    if (error instanceof CaseNotFoundError)
      return reply.code(404).send(errorBody(404, 'CASE_NOT_FOUND', error.message));
    if (error instanceof CaseConflictError) return reply.code(409).send(errorBody(409, 'CASE_CONFLICT', error.message));
    throw error;
  });

  app.get(
    '/api/v1/kb/cases',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Search the fault cases with a query (symptoms, a log line…), or list them without one',
        description:
          'Full-text search always; with an embeddings endpoint configured, vector search too, fused by reciprocal ' +
          'rank (k = 60). When the endpoint fails the answer is full text alone, with `vectorError` saying why.',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'What was seen' })),
            middleware: Type.Optional(Type.String({ minLength: 1, description: 'Only this plugin id' })),
            faultClass: Type.Optional(FaultClassSchema),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SearchResultSchema, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { q, middleware, faultClass, limit } = request.query;
      checkMiddleware(kb, middleware);
      const query = q?.trim();
      if (!query) {
        const { total, cases } = await kb.list({ middleware, faultClass }, limit);
        return {
          retrieval: 'list' as const,
          total,
          results: cases.map((found) => ({ score: null, retrievers: [], case: found })),
        };
      }
      const found = await kb.search(query, { middleware, faultClass, limit });
      return {
        retrieval: found.retrieval,
        ...(found.vectorError === undefined ? {} : { vectorError: found.vectorError }),
        total: found.hits.length,
        results: found.hits.map((hit) => ({ score: hit.score, retrievers: hit.retrievers, case: hit.case })),
      };
    },
  );

  app.get(
    '/api/v1/kb/cases/:id',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'One fault case',
        params: CaseParams,
        response: { 200: FaultCaseSchema, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const found = await kb.get(request.params.id);
      if (!found) throw new CaseNotFoundError(`no case "${request.params.id}"`);
      return found;
    },
  );

  app.post(
    '/api/v1/kb/cases',
    {
      preValidation: requireOperator,
      schema: {
        tags: ['knowledge'],
        summary: 'Add a fault case (operator role or above)',
        description: '409 when the id exists: change an existing case with PUT and a higher version.',
        body: FaultCaseSchema,
        response: { 201: FaultCaseSchema, ...Writes },
      },
    },
    async (request, reply) => {
      const faultCase = request.body as FaultCase;
      checkReferences(kb, faultCase);
      const added = await kb.add(faultCase);
      reply.code(201).header('location', `/api/v1/kb/cases/${encodeURIComponent(added.id)}`);
      return added;
    },
  );

  app.put(
    '/api/v1/kb/cases/:id',
    {
      preValidation: requireOperator,
      schema: {
        tags: ['knowledge'],
        summary: 'Update a fault case (operator role or above)',
        description:
          'The body is the whole case, with a version higher than the stored one (409 otherwise). The highest ' +
          'version wins at every start too, so an update outlives the case file a plugin ships at a lower version.',
        params: CaseParams,
        body: FaultCaseSchema,
        response: { 200: FaultCaseSchema, 404: ErrorBody, ...Writes },
      },
    },
    async (request) => {
      const faultCase = request.body as FaultCase;
      if (faultCase.id !== request.params.id) {
        throw new ApiError(
          400,
          'BAD_REQUEST',
          `body/id "${faultCase.id}" differs from the case in the path, "${request.params.id}"`,
        );
      }
      checkReferences(kb, faultCase);
      return kb.update(faultCase);
    },
  );
};
