/** Bearer-token authentication, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

/** The configured token, or one kept in `tokenFile` (generated with 0600 permissions on first start). */
export function resolveToken(token: string | undefined, tokenFile: string): { token: string; generated: boolean } {
  if (token) return { token, generated: false };
  try {
    const stored = readFileSync(tokenFile, 'utf8').trim();
    if (stored.length >= 16) return { token: stored, generated: false };
  } catch {
    // No stored token yet: generate one below.
  }
  const fresh = randomBytes(32).toString('hex');
  mkdirSync(dirname(tokenFile), { recursive: true });
  writeFileSync(tokenFile, `${fresh}\n`, { mode: 0o600 });
  return { token: fresh, generated: true };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Adds an onRequest hook to this (encapsulated) scope that rejects requests without the token. */
export function requireBearerToken(scope: FastifyInstance, token: string): void {
  const expected = digest(token);
  scope.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length.
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) return;
    const message = header === undefined ? 'missing bearer token' : 'invalid bearer token';
    reply
      .header('www-authenticate', 'Bearer')
      .code(401)
      .send(errorBody(401, 'UNAUTHORIZED', message));
    return reply;
  });
}
