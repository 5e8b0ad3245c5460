/**
 * Test kit for plugins: build rule contexts from literal data for unit tests, and reach the real
 * middleware for integration tests. Integration suites find their server through an environment
 * variable; when REQUIRE_SERVICES=1 a missing variable fails the suite instead of skipping it.
 */
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
    logs: { available: true, total: 0, byLevel: {}, notable: {}, ...input.logs },
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
