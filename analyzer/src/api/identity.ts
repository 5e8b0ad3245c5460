/**
 * Who is calling. Every request already carries the analyzer's bearer token; the Grafana app's plugin proxy
 * adds the Grafana user and organisation, and each of its routes declares the role it admits (Grafana checks
 * `reqRole` before forwarding). A caller without those headers holds the token directly: the analyzer's admin.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const IDENTITY_HEADERS = {
  user: 'x-grafana-user',
  tenant: 'x-grafana-org-id',
  role: 'x-kubestack-role',
} as const;

export interface Caller {
  user: string;
  /** The Grafana organisation id; "1" for a direct token holder. */
  tenant: string;
  role: Role;
}

const DIRECT: Caller = { user: 'api-token', tenant: '1', role: 'admin' };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const single = Array.isArray(value) ? value[0] : value;
  const trimmed = single?.trim();
  return trimmed ? trimmed : undefined;
}

/** The caller of a request; 400 when the role header names no role. */
export function callerOf(request: FastifyRequest): Caller {
  const role = header(request, IDENTITY_HEADERS.role)?.toLowerCase();
  if (role !== undefined && !(ROLES as readonly string[]).includes(role)) {
    throw new ApiError(400, 'BAD_ROLE', `${IDENTITY_HEADERS.role} must be one of ${ROLES.join(', ')}`);
  }
  return {
    user: header(request, IDENTITY_HEADERS.user) ?? DIRECT.user,
    tenant: header(request, IDENTITY_HEADERS.tenant) ?? DIRECT.tenant,
    role: (role as Role | undefined) ?? DIRECT.role,
  };
}

/** The caller, when their role is at least `minimum`; otherwise a 403 naming the role needed. */
export function requireRole(request: FastifyRequest, minimum: Role): Caller {
  const caller = callerOf(request);
  if (ROLES.indexOf(caller.role) < ROLES.indexOf(minimum)) {
    throw new ApiError(403, 'FORBIDDEN', `this needs the ${minimum} role; ${caller.user} has ${caller.role}`);
  }
  return caller;
}
