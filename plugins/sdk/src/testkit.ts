/**
 * Test kit for plugins: build rule contexts from literal data for unit tests, and reach the real
 * middleware for integration tests. Integration suites find their server through an environment
 * variable; when REQUIRE_SERVICES=1 a missing variable fails the suite instead of skipping it.
 */

import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import type { Evidence } from './evidence.ts';
import type { FaultScenario, InstanceRef, LogSummary, MiddlewarePlugin, RuleContext, SignalValue } from './manifest.ts';
import { type Finding, runRules } from './rules.ts';

/**
 * The service URL from `envVar`, or a skip reason when it is not set and services are optional.
 * Throws when REQUIRE_SERVICES=1 and the variable is missing.
 */
export function serviceFromEnv(envVar: string): { url: string; skip: false } | { url: undefined; skip: string } {
  const url = process.env[envVar];
  if (url !== undefined && url !== '') return { url, skip: false };
  const reason = `${envVar} is not set (start the local stack: stack/start.sh, then eval "$(stack/env.sh)")`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${reason}`);
  return { url: undefined, skip: reason };
}

/** The instance label value (`host:port`) of a service URL. */
export function addressOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}`;
}

export function instanceRef(plugin: Pick<MiddlewarePlugin, 'id'>, name: string): InstanceRef {
  return { id: `${plugin.id}:${name}`, type: plugin.id, name, labels: { instance: name } };
}

export type SignalInput = number | (Partial<SignalValue> & { last: number });

export interface ContextInput<F> {
  instance?: string;
  signals?: Record<string, SignalInput>;
  facts?: F;
  logs?: Partial<LogSummary>;
}

/** A rule context from literal values; a bare number means a flat signal at that value. */
export function contextFor<F>(plugin: MiddlewarePlugin<F>, input: ContextInput<F>): RuleContext<F> {
  const to = new Date();
  const signals: Record<string, SignalValue | undefined> = {};
  for (const [id, raw] of Object.entries(input.signals ?? {})) {
    const spec = plugin.signals.find((signal) => signal.id === id);
    if (spec === undefined) throw new Error(`plugin "${plugin.id}" has no signal "${id}"`);
    const given = typeof raw === 'number' ? { last: raw } : raw;
    signals[id] = {
      id,
      name: spec.name,
      unit: spec.unit,
      badDirection: spec.badDirection,
      first: given.last,
      min: given.last,
      max: given.last,
      mean: given.last,
      points: 60,
      ...given,
    };
  }
  return {
    instance: instanceRef(plugin, input.instance ?? '127.0.0.1:1'),
    window: { from: new Date(to.getTime() - 15 * 60_000), to },
    signals,
    facts: input.facts,
    logs: { available: true, total: 0, byLevel: {}, scanned: 0, notable: {}, ...input.logs },
  };
}

/** Reads facts from a real server through the plugin's connector. */
export async function collectFacts<F>(plugin: MiddlewarePlugin<F>, url: string, timeoutMs = 5000): Promise<F> {
  return plugin.connector.collect({ instance: instanceRef(plugin, addressOf(url)), url }, { timeoutMs });
}

/** Runs the plugin's rules on a context and returns the ids of the rules that fired. */
export function firedRules<F>(plugin: MiddlewarePlugin<F>, ctx: RuleContext<F>): string[] {
  return runRules(plugin, ctx).map((finding) => finding.rule);
}

export function findingOf(findings: Finding[], rule: string): Finding | undefined {
  return findings.find((finding) => finding.rule === rule);
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 500 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError instanceof Error ? `: last error ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/** Runs `body` while `fault` is in place on the server at `url`, and always undoes it. */
export async function withFault<T>(fault: FaultScenario, url: string, body: () => Promise<T>): Promise<T> {
  const undo = await fault.inject(url);
  try {
    return await body();
  } finally {
    await undo();
  }
}

/** The scenario with this id among a plugin's `faults`; fails the test when there is none. */
export function faultById(faults: FaultScenario[], id: string): FaultScenario {
  const scenario = faults.find((fault) => fault.id === id);
  assert.ok(scenario, `no fault scenario ${id}`);
  return scenario;
}

/**
 * The one name among `names` that a fault scenario gave what it created for `role` (see faultName), followed
 * by `suffix`; fails the test unless there is exactly one.
 */
export function faultNamed(names: string[], role: string, suffix = ''): string {
  const pattern = new RegExp(`^kubestack-fault-[0-9a-f]+-${role}${suffix}$`);
  const matching = [...new Set(names.filter((name) => pattern.test(name)))];
  assert.equal(matching.length, 1, `names matching ${pattern}: ${matching.join(', ')}`);
  return matching[0] ?? '';
}

/** The value of the fact evidence named `name`; fails the test when there is none. */
export function factValue(evidence: Evidence[] | undefined, name: string): unknown {
  const found = evidence?.find((item) => item.kind === 'fact' && item.name === name);
  assert.ok(found?.kind === 'fact', `no fact evidence named "${name}"`);
  return found.value;
}

/** Whether the plugin's notable log pattern `id` matches `message`, as in the log summary; fails for an unknown id. */
export function matchesLogPattern(plugin: Pick<MiddlewarePlugin, 'logs'>, id: string, message: string): boolean {
  const pattern = plugin.logs.notable.find((notable) => notable.id === id);
  assert.ok(pattern, `no notable log pattern ${id}`);
  return new RegExp(pattern.pattern, 'i').test(message);
}

/**
 * Facts from the real server at `url`, the findings of the plugin's rules on them alone (no signals, no logs),
 * and the ids of the rules that fired.
 */
export async function collectFindings<F>(
  plugin: MiddlewarePlugin<F>,
  url: string,
): Promise<{ facts: F; findings: Finding[]; fired: string[] }> {
  const facts = await collectFacts(plugin, url);
  const findings = runRules(plugin, contextFor(plugin, { instance: addressOf(url), facts }));
  return { facts, findings, fired: findings.map((finding) => finding.rule) };
}

/**
 * Injects `fault` on the real server at `url`, hands `check` what the connector and the rules see while it is in
 * place (see collectFindings), and always undoes it.
 */
export async function duringFault<F, T>(
  plugin: MiddlewarePlugin<F>,
  fault: FaultScenario,
  url: string,
  check: (seen: { facts: F; findings: Finding[]; fired: string[] }) => Promise<T> | T,
): Promise<T> {
  return withFault(fault, url, async () => check(await collectFindings(plugin, url)));
}

/** Fails naming what fired when any of `rules` is among the `fired` rule ids. */
export function assertNotFired(fired: string[], rules: string[]): void {
  assert.deepEqual(
    rules.filter((rule) => fired.includes(rule)),
    [],
    `fired: ${fired.join(', ')}`,
  );
}

/**
 * One subtest of `t` per fault scenario: on the real server at `url`, its rules fire from the connector's
 * facts while it is in place, and none of them once it is undone.
 */
export async function assertFaultsFireUntilUndone<F>(
  t: TestContext,
  plugin: MiddlewarePlugin<F>,
  faults: FaultScenario[],
  url: string,
): Promise<void> {
  for (const scenario of faults) {
    await t.test(scenario.id, async () => {
      await duringFault(plugin, scenario, url, ({ fired }) => {
        for (const rule of scenario.fires) {
          assert.ok(fired.includes(rule), `${rule} did not fire; fired: ${fired.join(', ')}`);
        }
      });
      assertNotFired((await collectFindings(plugin, url)).fired, scenario.fires);
    });
  }
}

/**
 * Collecting facts from `url` rejects with a message that matches `message` and never shows the URL's
 * password; returns the error for further checks.
 */
export async function collectRejects<F>(
  plugin: MiddlewarePlugin<F>,
  url: string,
  message: RegExp,
  timeoutMs?: number,
): Promise<Error> {
  const error = await collectFacts(plugin, url, timeoutMs).then(
    () => assert.fail('collecting facts should have failed'),
    (rejection: unknown) => rejection,
  );
  assert.ok(error instanceof Error, `rejected with ${String(error)}`);
  assert.match(error.message, message);
  const password = URL.parse(url)?.password ?? '';
  for (const secret of [password, decodeURIComponent(password)]) {
    if (secret !== '') assert.ok(!error.message.includes(secret), 'the message shows the password');
  }
  return error;
}

/**
 * Collecting facts from a local server that accepts connections and never answers (at `urlAt(port)`) rejects
 * within `withinMs`, with a message matching `messageAt(port)` that never shows the URL's password.
 */
export async function collectTimesOut<F>(
  plugin: MiddlewarePlugin<F>,
  urlAt: (port: number) => string,
  messageAt: (port: number) => RegExp,
  { timeoutMs, withinMs }: { timeoutMs: number; withinMs: number },
): Promise<void> {
  await withSilentServer(async (port) => {
    const started = Date.now();
    await collectRejects(plugin, urlAt(port), messageAt(port), timeoutMs);
    const took = Date.now() - started;
    assert.ok(took < withinMs, `took ${took} ms, more than ${withinMs} ms`);
  });
}

/** Runs `body` with the port of a local TCP server that accepts connections and never answers, then closes it. */
export async function withSilentServer<T>(body: (port: number) => Promise<T>): Promise<T> {
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    return await body((silent.address() as AddressInfo).port);
  } finally {
    silent.close();
  }
}

export interface DropProxy {
  /** The URL of the proxied server: `url` with the proxy's address. */
  url: string;
  /** Connections dropped so far. */
  readonly drops: number;
  close(): Promise<void>;
}

/**
 * Watches the server→client bytes of one connection and says when the client is in (authenticated),
 * from which point the proxy drops the connection on the client's next bytes.
 */
export type LoginWatcher = () => (serverChunk: Buffer) => boolean;

/**
 * A TCP proxy in front of a real server that drops each connection right after login, as a restart, a
 * failover or a killed session does once a client is in: it forwards bytes both ways and, once
 * `loggedIn` says so, resets both sockets (RST) on the client's next bytes, its first query.
 */
export async function dropAfterLoginProxy(url: string, loggedIn: LoginWatcher): Promise<DropProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let drops = 0;
  const listener = createServer((client) => {
    const server = connect(Number(target.port), target.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Resets and the peer going away are what this proxy is for.
      socket.on('error', () => undefined);
    }
    const watch = loggedIn();
    let ready = false;
    server.on('data', (chunk: Buffer) => {
      client.write(chunk);
      ready ||= watch(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (!ready) {
        server.write(chunk);
        return;
      }
      drops += 1;
      client.resetAndDestroy();
      server.resetAndDestroy();
    });
    client.on('end', () => server.end());
    server.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  return {
    url: proxied.toString(),
    get drops() {
      return drops;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}

/**
 * Runs the plugin's discovery query on a real Prometheus and checks it lists `instance` once, as up,
 * with its scrape target's own labels (which the analyzer shows); the job name plays no part.
 */
export async function assertDiscoveredUp(
  plugin: MiddlewarePlugin,
  prometheusUrl: string,
  instance: string,
): Promise<void> {
  const query = plugin.discovery.query;
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    status: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  assert.equal(body.status, 'success', query);
  const found = (body.data?.result ?? []).filter((sample) => sample.metric.instance === instance);
  assert.equal(found.length, 1, `${instance} in ${JSON.stringify(body.data?.result)}`);
  assert.equal(found[0]?.value[1], '1');
  assert.ok(found[0]?.metric.job && found[0].metric.host);
}
