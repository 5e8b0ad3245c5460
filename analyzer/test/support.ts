/** Shared test setup: a configuration built by the real loader, and an app on it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, factEvidence, type MiddlewarePlugin } from '@kubestack/plugin-sdk';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
/** A loopback port nothing listens on: sources pointed here are unreachable, for real. */
// Port 2: nothing listens there, and unlike port 1 fetch does not refuse it as a "bad port" before connecting.
export const CLOSED_URL = 'http://127.0.0.1:2';

let kbRoot: string | undefined;
let kbFolders = 0;

/** A knowledge-base folder no other app uses (tests never write into the repo's data/); gone at exit. */
export function freshKbUri(): string {
  if (kbRoot === undefined) {
    const root = mkdtempSync(join(tmpdir(), 'ksa-test-kb-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    kbRoot = root;
  }
  kbFolders += 1;
  return join(kbRoot, `kb-${kbFolders}`);
}

export function configFrom(env: Record<string, string>): Config {
  return loadConfig({
    KSA_API_TOKEN: TOKEN,
    KSA_PROMETHEUS_RETRIES: '0',
    KSA_ELASTICSEARCH_RETRIES: '0',
    KSA_KB_URI: freshKbUri(),
    ...env,
  });
}

export async function appWith(
  env: Record<string, string>,
  plugins: readonly MiddlewarePlugin[],
): Promise<FastifyInstance> {
  const app = await buildApp({ config: configFrom(env), token: TOKEN, plugins, logger: false });
  await app.ready();
  return app;
}

/** POST /api/v1/diagnose for one instance, with the test token. */
export function diagnose(app: FastifyInstance, instance: string, window: { from?: string; to?: string } = {}) {
  return app.inject({ method: 'POST', url: '/api/v1/diagnose', headers: AUTH, payload: { instance, ...window } });
}

/** A minimal plugin for API tests that need no middleware: discovery over Prometheus' own `up`. */
export const probePlugin = definePlugin<{ ok: boolean }>({
  id: 'probe',
  displayName: 'Probe',
  category: 'host',
  discovery: { query: 'up' },
  signals: [
    {
      id: 'up',
      name: 'Target up',
      query: 'up{instance="{{instance}}"}',
      unit: 'count',
      badDirection: 'down',
      description: 'Whether Prometheus scrapes the target',
    },
  ],
  logs: { serviceType: 'probe', notable: [] },
  rules: [
    {
      id: 'always',
      title: 'Probe finding',
      severity: 'info',
      faultClass: 'configuration',
      signals: [],
      actions: [],
      evaluate: (ctx) =>
        ctx.facts?.ok ? { explanation: 'facts were read', evidence: [factEvidence('ok', true)] } : null,
    },
  ],
  connector: {
    defaultUrl: (address) => `probe://${address}`,
    collect: async (target) => {
      if (target.url.includes('refuse')) throw new Error('Probe: connection refused');
      return { ok: true };
    },
  },
  actions: [],
});
