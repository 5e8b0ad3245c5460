/**
 * The quick-start job. Finds every middleware instance through Prometheus, stages one real fault on
 * each (the plugin's headline fault scenario: a lock blocker, a queue backlog, a lagging consumer
 * group…), diagnoses the whole fleet through the analyzer's own HTTP API (in process), prints the
 * report with its evidence and whether each staged fault was caught, and undoes every fault.
 * `--healthy` skips the faults. Configuration comes from the environment like the server's (KSA_*).
 */
import { randomBytes } from 'node:crypto';
import type { FaultScenario } from '@kubestack/plugin-sdk';
import { buildApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { connectionUrl } from '../diagnose/connections.ts';
import type { DiagnosisReport } from '../diagnose/diagnose.ts';
import type { Instance } from '../inventory/inventory.ts';
import { PLUGINS } from '../plugins/registry.ts';
import { FAULTS } from './faults.ts';
import { renderReport, type StagedFault } from './report.ts';

const healthy = process.argv.includes('--healthy');
const say = (message: string) => process.stderr.write(`${message}\n`);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  say(`kubestack demo: ${error.message}`);
  process.exit(2);
}

const token = randomBytes(24).toString('hex');
const app = await buildApp({ config, token, plugins: PLUGINS, logger: false });
const headers = { authorization: `Bearer ${token}` };
const undos: Array<() => Promise<void>> = [];
let undone = false;
async function undoAll(): Promise<void> {
  if (undone) return;
  undone = true;
  if (undos.length > 0) say(`undoing ${undos.length} staged fault(s)…`);
  await Promise.allSettled(undos.map((undo) => undo()));
}
process.once('SIGINT', () => {
  void undoAll().finally(() => process.exit(130));
});

try {
  const ready = (await app.inject({ url: '/readyz' })).json();
  const listed = await app.inject({ url: '/api/v1/instances', headers });
  if (listed.statusCode !== 200) {
    say(`cannot list instances: ${listed.json().message}`);
    process.exit(1);
  }
  const instances = listed.json().instances as Instance[];
  say(`found ${instances.length} middleware instance(s) through Prometheus`);

  const staged: StagedFault[] = healthy ? [] : await stageFaults(instances);
  say(`diagnosing ${instances.length} instance(s)…`);
  const reports: DiagnosisReport[] = [];
  for (const instance of instances) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      headers,
      payload: { instance: instance.id },
    });
    reports.push(response.json());
  }
  process.stdout.write(
    renderReport({ now: new Date(), windowMinutes: config.diagnose.windowMinutes, ready, reports, staged }),
  );
} finally {
  await undoAll();
  await app.close();
}

/** Stages each instance's headline fault in parallel; a fault that cannot be staged is reported, not fatal. */
async function stageFaults(instances: Instance[]): Promise<StagedFault[]> {
  const chosen = instances
    .map((instance) => ({ instance, scenario: FAULTS[instance.type]?.[0] }))
    .filter(
      (entry): entry is { instance: Instance; scenario: FaultScenario } =>
        entry.scenario !== undefined && entry.instance.up,
    );
  say(`staging ${chosen.length} real fault(s): ${chosen.map(({ scenario }) => scenario.id).join(', ')}…`);
  return Promise.all(
    chosen.map(async ({ instance, scenario }): Promise<StagedFault> => {
      const plugin = PLUGINS.find((candidate) => candidate.id === instance.type);
      if (!plugin) return { instance: instance.id, scenario, staged: false, error: 'no plugin' };
      try {
        undos.push(await scenario.inject(connectionUrl(config.connectors, plugin, instance.name)));
        return { instance: instance.id, scenario, staged: true };
      } catch (error) {
        return { instance: instance.id, scenario, staged: false, error: (error as Error).message };
      }
    }),
  );
}
