/**
 * The fleet's topology for correlation: declared dependencies from the configuration, instances on one host,
 * and instances sharing identifying labels. Pure.
 */
import type { Topology } from '../correlate/index.ts';
import type { Instance } from '../inventory/inventory.ts';

/** Labels that identify a scrape, not what the instance belongs to. */
const SCRAPE_LABELS = new Set(['instance', 'job', '__name__', 'endpoint', 'pod', 'container', 'namespace_pod']);

/** The host part of `host:port`, `[v6]:port` or a bare host. */
export function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colon = address.lastIndexOf(':');
  // Several colons without brackets: a bare IPv6 address.
  if (colon === -1 || address.indexOf(':') !== colon) return address;
  return address.slice(0, colon);
}

export function fleetTopology(
  instances: readonly Instance[],
  declared: ReadonlyArray<{ from: string; to: string }>,
): Topology {
  const relations: Array<{ a: string; b: string; kind: 'same-host' | 'shared-labels' }> = [];
  for (let i = 0; i < instances.length; i += 1) {
    const a = instances[i] as Instance;
    for (let j = i + 1; j < instances.length; j += 1) {
      const b = instances[j] as Instance;
      if (hostOf(a.name) === hostOf(b.name)) relations.push({ a: a.id, b: b.id, kind: 'same-host' });
      else if (sharesLabels(a, b)) relations.push({ a: a.id, b: b.id, kind: 'shared-labels' });
    }
  }
  return { dependencies: declared.map(({ from, to }) => ({ from, to })), relations };
}

function sharesLabels(a: Instance, b: Instance): boolean {
  for (const [name, value] of Object.entries(a.labels)) {
    if (SCRAPE_LABELS.has(name)) continue;
    if (b.labels[name] === value) return true;
  }
  return false;
}
