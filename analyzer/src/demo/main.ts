/**
 * The quick-start job: find every middleware instance through Prometheus, diagnose each one through
 * the analyzer's own HTTP API (in process), and print a fleet report with the evidence.
 * Configuration comes from the environment like the server's (KSA_*), on embedded defaults otherwise.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { PLUGINS } from '../plugins/registry.ts';
import { renderReport } from './report.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`kubestack demo: ${error.message}\n`);
  process.exit(2);
}

const token = randomBytes(24).toString('hex');
const app = await buildApp({ config, token, plugins: PLUGINS, logger: false });
const headers = { authorization: `Bearer ${token}` };
try {
  const ready = (await app.inject({ url: '/readyz' })).json();
  const listed = await app.inject({ url: '/api/v1/instances', headers });
  if (listed.statusCode !== 200) {
    process.stderr.write(`cannot list instances: ${listed.json().message}\n`);
    process.exit(1);
  }
  const { instances } = listed.json() as { instances: Array<{ id: string }> };
  process.stderr.write(`diagnosing ${instances.length} instance(s)…\n`);
  const reports = [];
  for (const instance of instances) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      headers,
      payload: { instance: instance.id },
    });
    reports.push(response.json());
  }
  process.stdout.write(renderReport({ now: new Date(), windowMinutes: config.diagnose.windowMinutes, ready, reports }));
} finally {
  await app.close();
}
