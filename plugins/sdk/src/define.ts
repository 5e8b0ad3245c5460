import type { MiddlewarePlugin } from './manifest.ts';

const ID = /^[a-z][a-z0-9_-]*$/;
/** Operators name scrape jobs as they like: discovery must find instances by metric, not by job. */
const JOB_MATCHER = /\bjob\s*(?:=|!=|=~|!~)/;
/** A fixed range vanishes with slow scrapes and skips data between long steps: use {{rate_interval}}. */
const FIXED_RANGE = /\[\d+[smhdwy]\]/;

/** Declares a plugin and checks its manifest is coherent; throws naming the first problem found. */
export function definePlugin<F>(plugin: MiddlewarePlugin<F>): MiddlewarePlugin<F> {
  const where = `plugin "${plugin.id}"`;
  if (!ID.test(plugin.id)) throw new Error(`${where}: id must match ${ID}`);
  const signalIds = uniqueIds(where, 'signal', plugin.signals);
  const actionIds = uniqueIds(where, 'action', plugin.actions);
  uniqueIds(where, 'rule', plugin.rules);
  uniqueIds(where, 'notable log pattern', plugin.logs.notable);
  if (JOB_MATCHER.test(plugin.discovery.query)) {
    throw new Error(`${where}: discovery must not depend on the scrape job's name`);
  }
  for (const signal of plugin.signals) {
    for (const [what, query] of [
      ['query', signal.query],
      ['limit query', signal.limit?.query],
    ] as const) {
      if (query === undefined) continue;
      if (!query.includes('{{instance}}')) {
        throw new Error(`${where}: signal "${signal.id}" ${what} must select the instance with {{instance}}`);
      }
      if (FIXED_RANGE.test(query)) {
        throw new Error(`${where}: signal "${signal.id}" ${what} must use [{{rate_interval}}], not a fixed range`);
      }
    }
  }
  for (const rule of plugin.rules) {
    for (const id of rule.signals) {
      if (!signalIds.has(id)) throw new Error(`${where}: rule "${rule.id}" reads unknown signal "${id}"`);
    }
    for (const id of rule.actions) {
      if (!actionIds.has(id)) throw new Error(`${where}: rule "${rule.id}" suggests unknown action "${id}"`);
    }
  }
  for (const pattern of plugin.logs.notable) new RegExp(pattern.pattern, 'i');
  return plugin;
}

function uniqueIds(where: string, what: string, items: ReadonlyArray<{ id: string }>): Set<string> {
  const ids = new Set<string>();
  for (const { id } of items) {
    if (!ID.test(id)) throw new Error(`${where}: ${what} id "${id}" must match ${ID}`);
    if (ids.has(id)) throw new Error(`${where}: duplicate ${what} id "${id}"`);
    ids.add(id);
  }
  return ids;
}

/** Escapes a value for a PromQL double-quoted string literal. */
export function promqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Renders a signal or limit template for one instance. `{{rate_interval}}` becomes the range to use
 * in rate()/increase(): long enough to hold several scrapes and at least one query step (like
 * Grafana's $__rate_interval), so rates neither vanish with slow scrapes nor skip data between steps.
 */
export function renderQuery(template: string, instance: string, rateIntervalSeconds = 60): string {
  return template
    .replaceAll('{{instance}}', promqlString(instance))
    .replaceAll('{{rate_interval}}', `${Math.max(1, Math.round(rateIntervalSeconds))}s`);
}

/** The rate() range for a scrape interval and query step: four scrapes, or one step if that is longer. */
export function rateIntervalFor(scrapeIntervalSeconds: number, stepSeconds: number): number {
  return Math.max(4 * scrapeIntervalSeconds, stepSeconds);
}
