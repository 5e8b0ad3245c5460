/**
 * A fleet scan: every instance's key signals over one window, a few instances at a time so that
 * Prometheus is never flooded, with progress readable while it runs. An instance whose reads fail or
 * time out is listed as not scanned; the scan itself still completes.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ConcurrencyLimit } from '../diagnose/concurrency.ts';
import type { Window } from '../diagnose/observe.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { InstanceAnomalies, SignalAnalysis } from './signal-analysis.ts';

export interface ScanOptions {
  window: Window;
  /** Instances read at once. */
  concurrency: number;
  /** Per-instance time budget, ms: past it the instance is reported as not scanned. */
  instanceTimeoutMs: number;
}

export interface Scan {
  id: string;
  status: 'running' | 'done';
  startedAt: Date;
  finishedAt: Date | null;
  window: Window;
  progress: { total: number; done: number };
  results: Array<{ instance: string; type: string; anomalies: InstanceAnomalies }>;
  notScanned: Array<{ instance: string; reason: string }>;
}

/** Finished scans kept for GET /api/v1/scans/:id. */
const KEEP = 20;

export class Scanner {
  readonly #inventory: Inventory;
  readonly #analysis: SignalAnalysis;
  readonly #clock: Clock;
  readonly #scans = new Map<string, { scan: Scan; finished: Promise<Scan> }>();

  constructor(deps: { inventory: Inventory; analysis: SignalAnalysis; clock: Clock }) {
    this.#inventory = deps.inventory;
    this.#analysis = deps.analysis;
    this.#clock = deps.clock;
  }

  get(id: string): { scan: Scan; finished: Promise<Scan> } | undefined {
    return this.#scans.get(id);
  }

  /** Starts a scan (the inventory is read first, so an unreachable Prometheus fails the call). */
  async start(options: ScanOptions): Promise<{ scan: Scan; finished: Promise<Scan> }> {
    const instances = await this.#inventory.list();
    const scan: Scan = {
      id: randomUUID(),
      status: 'running',
      startedAt: this.#clock.now(),
      finishedAt: null,
      window: options.window,
      progress: { total: instances.length, done: 0 },
      results: [],
      notScanned: [],
    };
    const limit = new ConcurrencyLimit(options.concurrency);
    const finished = Promise.all(
      instances.map((instance) =>
        limit.run(async () => {
          const plugin = this.#inventory.plugin(instance.type);
          try {
            if (!plugin) throw new Error(`no plugin for type ${instance.type}`);
            const anomalies = await withTimeout(
              this.#analysis.anomalies(instance, plugin, options.window),
              options.instanceTimeoutMs,
            );
            scan.results.push({ instance: instance.id, type: instance.type, anomalies });
          } catch (error) {
            scan.notScanned.push({ instance: instance.id, reason: (error as Error).message });
          } finally {
            scan.progress.done += 1;
          }
        }),
      ),
    ).then(() => {
      scan.status = 'done';
      scan.finishedAt = this.#clock.now();
      scan.results.sort((a, b) => a.instance.localeCompare(b.instance));
      return scan;
    });
    this.#scans.set(scan.id, { scan, finished });
    while (this.#scans.size > KEEP) {
      const oldest = [...this.#scans.values()].find(({ scan: kept }) => kept.status === 'done');
      if (!oldest) break;
      this.#scans.delete(oldest.scan.id);
    }
    return { scan, finished };
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
