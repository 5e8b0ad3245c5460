/**
 * The quick-start job. Finds every middleware instance through Prometheus, stages one real fault on
 * each (the plugin's headline fault scenario: a lock blocker, a queue backlog, a lagging consumer
 * group…), diagnoses the whole fleet through the analyzer's own HTTP API (in process), prints the
 * report with its evidence and whether each staged fault was caught, and undoes every fault.
 * Faults are staged only on instances on this machine (loopback addresses): they really break things.
 * `--healthy` skips the faults. Configuration comes from the environment like the server's (KSA_*).
 * Exits 1 when a staged fault was not caught.
 */
import { randomBytes } from 'node:crypto';
import type { FaultScenario } from '@kubestack/plugin-sdk';
import { buildApp } from '../app.ts';
import { exitOnConfigError, loadConfig } from '../config/load.ts';
import { connectionUrl } from '../diagnose/connections.ts';
import type { DiagnosisReport } from '../diagnose/diagnose.ts';
import type { Instance } from '../inventory/inventory.ts';
import { PLUGINS } from '../plugins/registry.ts';
import { FAULTS } from './faults.ts';
import { renderReport, type StagedFault } from './report.ts';

const healthy = process.argv.includes('--healthy');
const say = (message: string) => process.stderr.write(`${message}\n`);

const token = randomBytes(24).toString('hex');
const { config, app } = await exitOnConfigError('kubestack demo', async () => {
  const config = loadConfig();
  return { config, app: await buildApp({ config, token, plugins: PLUGINS, logger: false }) };
});
const headers = { authorization: `Bearer ${token}` };
const undos: Array<() => Promise<void>> = [];
let undone = false;
async function undoAll(): Promise<void> {
  if (undone) return;
  undone = true;
  if (undos.length > 0) say(`undoing ${undos.length} staged fault(s)…`);
  await Promise.allSettled(undos.map((undo) => undo()));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    void undoAll().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
  });
}

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
    if (response.statusCode === 200) reports.push(response.json());
    else say(`cannot diagnose ${instance.id}: ${response.json().message}`);
  }
  const report = renderReport({
    now: new Date(),
    windowMinutes: config.diagnose.windowMinutes,
    ready,
    reports,
    staged,
  });
  process.stdout.write(report.text);
  if (report.missed > 0) process.exitCode = 1;
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
      const notStaged = (error: string): StagedFault => ({ instance: instance.id, scenario, staged: false, error });
      if (!isLoopback(instance.name)) {
        return notStaged(`${instance.name} is not on this machine; faults are staged on loopback addresses only`);
      }
      const plugin = PLUGINS.find((candidate) => candidate.id === instance.type);
      const url = plugin && connectionUrl(config.connectors, plugin, instance.name);
      if (url === undefined) return notStaged('no connection URL is configured for it');
      try {
        undos.push(await scenario.inject(url));
        return { instance: instance.id, scenario, staged: true };
      } catch (error) {
        return notStaged((error as Error).message);
      }
    }),
  );
}

function isLoopback(address: string): boolean {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
