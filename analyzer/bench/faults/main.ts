/**
 * The fault-injection suite (`npm run bench:faults`): real faults on the running test stack, each explained by
 * the analyzer built in process (LLM off), scored on whether the expected root cause (instance and fault class)
 * ranks first / within three, with the answer time measured. Every fault is undone, also on failure or Ctrl-C.
 *
 *   node analyzer/bench/faults/main.ts [--only id,id…] [--list] [--cooldown seconds]
 *
 * Settings come from the environment like the server's (source /tmp/kubestack-stack/stack.env). Progress and
 * failed scenarios' answers go to stderr; stdout ends with one JSON line:
 * {"scenarios":…,"top1":…,"top3":…,"explain_p95_ms":…}.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { exitOnConfigError, loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Instance } from '../../src/inventory/inventory.ts';
import { PLUGINS } from '../../src/plugins/registry.ts';
import type { Analysis } from '../../src/rca/analysis.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { expectedClasses, type Placement, placementOf, summarize } from './score.ts';
import { stackFrom } from './stack.ts';
import type { FaultBenchScenario, PanelQuery, Stack, Target, Undo } from './types.ts';

/** The analysis window opens this long before the inject: some healthy points before the fault's onset. */
const WINDOW_LEAD_MS = 2 * 60_000;
/** Two scrapes at 5 s: the fault's first points are in Prometheus. */
const FIRST_LOOK_MS = 10_000;
const POLL_MS = 5_000;
/** How long after the inject the answer may take to show the fault. */
const VISIBLE_WITHIN_MS = 60_000;
/** Answers timed per scenario, once the fault is visible. */
const TIMED_ANSWERS = 5;
const DEFAULT_COOLDOWN_SECONDS = 20;
const SHOWN_HYPOTHESES = 3;

const say = (message: string) => process.stderr.write(`${message}\n`);

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    cooldown: { type: 'string', default: String(DEFAULT_COOLDOWN_SECONDS) },
  },
});

if (options.list) {
  for (const scenario of SCENARIOS) {
    process.stdout.write(`${scenario.id.padEnd(44)} ${scenario.middleware.join('+').padEnd(22)} ${scenario.title}\n`);
  }
  process.exit(0);
}

const selected = selectScenarios(options.only);
const cooldownMs = Number(options.cooldown) * 1000;
if (!(cooldownMs >= 0)) {
  say(`--cooldown must be a number of seconds, got "${options.cooldown}"`);
  process.exit(2);
}

const { config, stack } = await exitOnConfigError('bench:faults', async () => {
  const config = suiteConfig();
  return { config, stack: stackFrom(config) };
});
config.topology.dependencies = [
  ...config.topology.dependencies,
  ...selected.flatMap((scenario) => scenario.dependencies?.(stack) ?? []),
];
const token = randomBytes(24).toString('hex');
const headers = { authorization: `Bearer ${token}` };
const app = await buildApp({ config, token, plugins: PLUGINS, logger: false });
await app.ready();

/** Undo steps of the scenario in progress, last first; Ctrl-C runs them before exiting. */
const pendingUndos: Undo[] = [];
async function undoPending(): Promise<void> {
  for (let undo = pendingUndos.pop(); undo !== undefined; undo = pendingUndos.pop()) {
    try {
      await undo();
    } catch (error) {
      say(`  ! undo failed: ${(error as Error).message}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: undoing the scenario in progress…`);
    void undoPending().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

interface Outcome {
  id: string;
  placement: Placement | null;
  error?: string;
}

try {
  await checkInstances(app, selected, stack);
  say(
    `${selected.length} scenario(s) on the stack; LLM off; window opens ${WINDOW_LEAD_MS / 60_000} min before each fault`,
  );
  const outcomes: Outcome[] = [];
  const latencies: number[] = [];
  for (const [index, scenario] of selected.entries()) {
    say(`\n[${index + 1}/${selected.length}] ${scenario.id}: ${scenario.title}`);
    const outcome = await runScenario(scenario, latencies);
    outcomes.push(outcome);
    if (index < selected.length - 1 && cooldownMs > 0) await sleep(cooldownMs);
  }
  say('\nscenario                                     rank  node-rank');
  for (const outcome of outcomes) {
    const rank = outcome.placement?.rank ?? '-';
    const nodeRank = outcome.placement?.nodeRank ?? '-';
    say(
      `${outcome.id.padEnd(44)} ${String(rank).padStart(4)}  ${String(nodeRank).padStart(9)}${outcome.error ? `  (${outcome.error})` : ''}`,
    );
  }
  const summary = summarize(
    outcomes.map((outcome) => outcome.placement),
    latencies,
  );
  // The node alone, whatever fault class it was given: tells ranking misses from fault-class misses.
  const byNode = summarize(
    outcomes.map((outcome) => outcome.placement && { rank: outcome.placement.nodeRank, nodeRank: null }),
    latencies,
  );
  say(`node only (any fault class): top-1 ${byNode.top1}, top-3 ${byNode.top3}`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await undoPending();
  await app.close();
}

async function runScenario(scenario: FaultBenchScenario, latencies: number[]): Promise<Outcome> {
  const expected = scenario.expected(stack);
  const target = scenario.target(stack);
  try {
    if (scenario.setup) pendingUndos.push(await scenario.setup(stack));
    const injectedAt = Date.now();
    pendingUndos.push(await scenario.inject(stack));
    say(`  injected in ${((Date.now() - injectedAt) / 1000).toFixed(1)} s; waiting for the answer to show it…`);
    const from = new Date(injectedAt - WINDOW_LEAD_MS);
    const ask = () => answer(target, from, new Date(injectedAt));
    await sleep(FIRST_LOOK_MS);
    const deadline = Date.now() + VISIBLE_WITHIN_MS;
    let analysis = await ask();
    while (placementOf(hypothesesOf(analysis), expected).rank !== 1 && Date.now() < deadline) {
      await sleep(POLL_MS);
      analysis = await ask();
    }
    for (let timed = 0; timed < TIMED_ANSWERS; timed += 1) {
      const started = performance.now();
      await ask();
      latencies.push(performance.now() - started);
    }
    const placement = placementOf(hypothesesOf(analysis), expected);
    report(expected, analysis, placement);
    return { id: scenario.id, placement };
  } catch (error) {
    const message = (error as Error).message;
    say(`  ✗ could not run: ${message}`);
    return { id: scenario.id, placement: null, error: message.slice(0, 80) };
  } finally {
    await undoPending();
    try {
      await scenario.cleanup?.(stack);
    } catch (error) {
      say(`  ! cleanup failed: ${(error as Error).message}`);
    }
  }
}

type Answer = Analysis | { error: string };

function hypothesesOf(answer: Answer): Analysis['hypotheses'] {
  return 'hypotheses' in answer ? answer.hypotheses : [];
}

/** Asks the analyzer about the target, as Grafana or Alertmanager would; a non-200 answer is kept as an error. */
async function answer(target: Target, from: Date, faultStart: Date): Promise<Answer> {
  const to = new Date().toISOString();
  const request =
    target.kind === 'panel'
      ? {
          url: '/api/v1/explain',
          payload: {
            panel: { title: target.title, type: 'timeseries' },
            targets: target.queries.map((query, index) => panelTarget(query, index)),
            from: from.toISOString(),
            to,
          },
        }
      : target.kind === 'instance'
        ? {
            url: '/api/v1/rca',
            payload: {
              instance: target.node,
              ...(target.signal === undefined ? {} : { signal: target.signal }),
              from: from.toISOString(),
              to,
            },
          }
        : {
            url: '/api/v1/rca',
            payload: {
              alert: {
                labels: { alertname: target.alertname, kubestack_instance: target.node },
                startsAt: faultStart.toISOString(),
              },
              // The same window as the other targets: the alert's default 30-minute lead would hold the suite's
              // own previous faults, which are not this scenario's.
              from: from.toISOString(),
              to,
            },
          };
  const response = await app.inject({ method: 'POST', headers, ...request });
  if (response.statusCode !== 200) return { error: `HTTP ${response.statusCode}: ${response.body.slice(0, 300)}` };
  return response.json() as Analysis;
}

function panelTarget(query: PanelQuery, index: number) {
  const refId = String.fromCharCode(65 + index);
  return query.datasource === 'prometheus'
    ? { refId, datasource: { type: 'prometheus', uid: 'kubestack-prometheus' }, expr: query.expr }
    : {
        refId,
        datasource: { type: 'elasticsearch', uid: 'kubestack-elasticsearch' },
        query: query.query,
        metrics: [{ id: '1', type: 'count' }],
      };
}

function report(expected: ReturnType<FaultBenchScenario['expected']>, answered: Answer, placement: Placement): void {
  const wanted = `${expected.node} ${expectedClasses(expected).join('|')}`;
  if (placement.rank === 1) {
    const top = hypothesesOf(answered)[0];
    say(`  ✓ top-1: ${wanted} (confidence ${top?.confidence})`);
    return;
  }
  const where =
    placement.rank === null ? 'no hypothesis names this node with this fault class' : `at rank ${placement.rank}`;
  say(
    `  ✗ expected ${wanted}: ${where}${placement.nodeRank === null ? '' : ` (the node at rank ${placement.nodeRank})`}`,
  );
  if ('error' in answered) {
    say(`    we answered ${answered.error}`);
    return;
  }
  say(`    we answered (${answered.status}): ${answered.summary}`);
  const evidence = new Map(answered.evidence.map((item) => [item.id, item]));
  for (const hypothesis of answered.hypotheses.slice(0, SHOWN_HYPOTHESES)) {
    say(
      `    ${hypothesis.rank}. ${hypothesis.node} ${hypothesis.faultClass ?? '(no fault class)'} confidence ${hypothesis.confidence}`,
    );
    for (const id of hypothesis.evidence.slice(0, 4)) say(`       - ${evidence.get(id)?.summary ?? id}`);
  }
  if (answered.hypotheses.length === 0)
    say(`    (no hypothesis; target: ${answered.target.label}, anomalous ${answered.target.anomalous})`);
}

function selectScenarios(only: string | undefined): FaultBenchScenario[] {
  if (only === undefined) return [...SCENARIOS];
  const ids = only
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const unknown = ids.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0) {
    say(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
    process.exit(2);
  }
  return SCENARIOS.filter((scenario) => ids.includes(scenario.id));
}

/** The server's configuration from the environment, with the LLM off: the suite measures the evidence alone. */
function suiteConfig(): Config {
  const env: NodeJS.ProcessEnv = { KSA_PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '5', ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('KSA_LLM_')) delete env[name];
  const config = loadConfig(env);
  const { baseUrl: _baseUrl, model: _model, ...llm } = config.llm;
  return { ...config, llm };
}

/** Every instance a scenario blames must be one the analyzer finds, and up. */
async function checkInstances(app: FastifyInstance, scenarios: readonly FaultBenchScenario[], stack: Stack) {
  const response = await app.inject({ url: '/api/v1/instances', headers });
  if (response.statusCode !== 200) throw new Error(`cannot list instances: ${response.body}`);
  const instances = (response.json() as { instances: Instance[] }).instances;
  for (const scenario of scenarios) {
    const node = scenario.expected(stack).node;
    if (node.startsWith('service:')) continue;
    const instance = instances.find((candidate) => candidate.id === node);
    if (!instance?.up)
      throw new Error(`${scenario.id}: ${node} is ${instance ? 'down' : 'not found through Prometheus'}`);
  }
}
