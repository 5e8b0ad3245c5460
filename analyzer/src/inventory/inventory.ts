/** The fleet: every middleware instance that Prometheus knows, found through each plugin's discovery query. */
import type { InstanceRef, MiddlewarePlugin } from '@kubestack/plugin-sdk';
import type { Clock } from '../clock.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';

export interface Instance extends InstanceRef {
  displayName: string;
  category: MiddlewarePlugin['category'];
  /** The exporter's view: true when it reaches the middleware. */
  up: boolean;
}

export class Inventory {
  readonly #prometheus: PrometheusSource;
  readonly #plugins: readonly MiddlewarePlugin[];
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #cached: { at: number; instances: Instance[] } | undefined;
  #inFlight: Promise<Instance[]> | undefined;

  constructor(prometheus: PrometheusSource, plugins: readonly MiddlewarePlugin[], cacheSeconds: number, clock: Clock) {
    this.#prometheus = prometheus;
    this.#plugins = plugins;
    this.#ttlMs = cacheSeconds * 1000;
    this.#clock = clock;
  }

  plugin(type: string): MiddlewarePlugin | undefined {
    return this.#plugins.find((plugin) => plugin.id === type);
  }

  /** All instances, sorted by type then name; cached for a few seconds (concurrent callers share one lookup). */
  async list(): Promise<Instance[]> {
    const now = this.#clock.now().getTime();
    if (this.#cached && now - this.#cached.at < this.#ttlMs) return this.#cached.instances;
    this.#inFlight ??= this.#discover().finally(() => {
      this.#inFlight = undefined;
    });
    const instances = await this.#inFlight;
    this.#cached = { at: now, instances };
    return instances;
  }

  async get(id: string): Promise<Instance | undefined> {
    return (await this.list()).find((instance) => instance.id === id);
  }

  async #discover(): Promise<Instance[]> {
    const perPlugin = await Promise.all(
      this.#plugins.map(async (plugin) => {
        const label = plugin.discovery.instanceLabel ?? 'instance';
        const samples = await this.#prometheus.instant(plugin.discovery.query);
        const byName = new Map<string, Instance>();
        for (const sample of samples) {
          const name = sample.labels[label];
          if (!name) continue;
          const up = sample.value >= 1;
          const known = byName.get(name);
          // Several series for one instance (e.g. two jobs): the instance is up if any says so.
          if (known) {
            known.up ||= up;
            continue;
          }
          const { __name__: _, ...labels } = sample.labels;
          byName.set(name, {
            id: `${plugin.id}:${name}`,
            type: plugin.id,
            name,
            labels,
            displayName: plugin.displayName,
            category: plugin.category,
            up,
          });
        }
        return [...byName.values()];
      }),
    );
    return perPlugin.flat().sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  }
}
