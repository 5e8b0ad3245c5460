/**
 * Diagnosis of one instance: read signals, logs and facts, run the plugin's rules, and say what is
 * wrong with the evidence for it. Prometheus is required (no signals, no diagnosis: the caller gets a
 * 503 naming it); Elasticsearch is supplementary (the report is marked partial when logs are missing);
 * a connector that fails becomes a finding and the rules run on signals and logs alone.
 */
import { bySeverity, type Finding, type MiddlewarePlugin, runRules, type SignalValue } from '@kubestack/plugin-sdk';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Instance, Inventory } from '../inventory/inventory.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import type { SourceName } from '../sources/errors.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';
import { ConcurrencyLimit } from './concurrency.ts';
import { connectionUrl } from './connections.ts';
import {
  type FactsResult,
  readFacts,
  readLogSummary,
  readSignalSeries,
  type SignalSeries,
  summarizeSignals,
  type Window,
} from './observe.ts';

export interface DiagnosisReport {
  instance: Instance;
  window: { from: string; to: string };
  /** True when some source could not be read; `unavailable` names them. */
  partial: boolean;
  unavailable: SourceName[];
  /** `configured: false` when no connection URL is set for this instance (its rules run without facts). */
  connector: { configured: boolean; ok: boolean; error?: string };
  findings: Finding[];
  signals: SignalValue[];
  /** Signal ids without data in the window, and those whose query matched several series. */
  signalsMissing: string[];
  signalsAmbiguous: string[];
  logs: { available: boolean; total: number; scanned: number; byLevel: Record<string, number> };
  tookMs: number;
}

export interface HealthSummary {
  diagnosedAt: string;
  worst: Finding['severity'] | 'ok';
  findings: number;
}

export interface DiagnoserDeps {
  prometheus: PrometheusSource;
  elasticsearch: ElasticsearchSource;
  inventory: Inventory;
  config: Config;
  clock: Clock;
}

/** Direct reads against middleware at once, across all requests: each one holds a connection on a server. */
const MAX_CONCURRENT_CONNECTOR_READS = 8;

export class Diagnoser {
  readonly #deps: DiagnoserDeps;
  /** The latest diagnosis per instance, summarised for the fleet view. */
  readonly #latest = new Map<string, HealthSummary>();
  /** Facts being read per instance: concurrent diagnoses of one instance share one connection. */
  readonly #factsInFlight = new Map<string, Promise<FactsResult>>();
  readonly #connectorSlots = new ConcurrencyLimit(MAX_CONCURRENT_CONNECTOR_READS);

  constructor(deps: DiagnoserDeps) {
    this.#deps = deps;
  }

  latest(instanceId: string): HealthSummary | undefined {
    return this.#latest.get(instanceId);
  }

  /**
   * `observed`, when given, are the instance's key signals over the window already being read by the caller
   * (root-cause analysis reads them over a longer span anyway): they are not read a second time.
   */
  async diagnose(
    instance: Instance,
    plugin: MiddlewarePlugin,
    window: Window,
    observed?: Promise<SignalSeries[]>,
  ): Promise<DiagnosisReport> {
    const started = performance.now();
    const { config, prometheus, elasticsearch } = this.#deps;
    const url = connectionUrl(config.connectors, plugin, instance.name);
    const [series, logs, facts] = await Promise.all([
      observed ?? readSignalSeries(prometheus, plugin, instance, window, config.prometheus.scrapeIntervalSeconds),
      readLogSummary(elasticsearch, plugin, instance, window, config.diagnose.logLines),
      url === undefined ? undefined : this.#readFacts(plugin, instance, url),
    ]);
    const signals = summarizeSignals(series);
    const findings = runRules(plugin, { instance, window, signals, facts: facts?.facts, logs });
    if (!instance.up) findings.push(exporterDown(instance));
    if (facts === undefined) findings.push(connectorNotConfigured(instance));
    else if (facts.error !== undefined) findings.push(connectorFailed(instance, facts.error));
    findings.sort(bySeverity);

    const unavailable: SourceName[] = logs.available ? [] : ['elasticsearch'];
    const report: DiagnosisReport = {
      instance,
      window: { from: window.from.toISOString(), to: window.to.toISOString() },
      partial: unavailable.length > 0,
      unavailable,
      connector:
        facts === undefined
          ? { configured: false, ok: false }
          : facts.error === undefined
            ? { configured: true, ok: true }
            : { configured: true, ok: false, error: facts.error },
      findings,
      signals: Object.values(signals).filter((value): value is SignalValue => value !== undefined),
      signalsMissing: Object.entries(signals)
        .filter(([, value]) => value === undefined)
        .map(([id]) => id),
      signalsAmbiguous: series.filter((entry) => entry.ambiguous).map((entry) => entry.spec.id),
      logs: { available: logs.available, total: logs.total, scanned: logs.scanned, byLevel: logs.byLevel },
      tookMs: Math.round(performance.now() - started),
    };
    this.#latest.set(instance.id, {
      diagnosedAt: this.#deps.clock.now().toISOString(),
      worst: findings[0]?.severity ?? 'ok',
      findings: findings.length,
    });
    return report;
  }

  /** Shares an in-flight read of the same instance, and bounds reads across instances. */
  #readFacts(plugin: MiddlewarePlugin, instance: Instance, url: string): Promise<FactsResult> {
    const running = this.#factsInFlight.get(instance.id);
    if (running) return running;
    const read = this.#connectorSlots
      .run(() => readFacts(plugin, instance, url, this.#deps.config.diagnose.connectorTimeoutMs))
      .finally(() => this.#factsInFlight.delete(instance.id));
    this.#factsInFlight.set(instance.id, read);
    return read;
  }
}

function exporterDown(instance: Instance): Finding {
  return {
    id: 'analyzer.exporter-down',
    rule: 'exporter-down',
    severity: 'critical',
    title: `${instance.displayName} is down for its exporter`,
    explanation:
      `The Prometheus exporter for ${instance.name} reports it cannot reach ${instance.displayName}. ` +
      'Check that the process runs and accepts connections from the exporter; signals after the outage are missing.',
    evidence: [{ kind: 'fact', name: 'exporter up', value: false }],
    actions: [],
    faultClass: 'availability',
  };
}

function connectorNotConfigured(instance: Instance): Finding {
  return {
    id: 'analyzer.connector-not-configured',
    rule: 'connector-not-configured',
    severity: 'info',
    title: `No direct checks configured for ${instance.displayName}`,
    explanation:
      `No connection URL is configured for ${instance.name}, and ${instance.displayName} needs credentials to be read, ` +
      `so the rules ran on Prometheus signals and logs only. Set KSA_CONNECTOR_${instance.type.toUpperCase().replaceAll('-', '_')}_URL ` +
      '(a read-only monitoring user) to add sessions, locks and settings to the diagnosis.',
    evidence: [],
    actions: [],
  };
}

function connectorFailed(instance: Instance, error: string): Finding {
  return {
    id: 'analyzer.connector-failed',
    rule: 'connector-failed',
    severity: 'warning',
    title: `Direct checks against ${instance.displayName} failed`,
    explanation:
      `The analyzer could not read facts from ${instance.name}: ${error}. ` +
      'The other findings rest on Prometheus signals and logs only; check the connector URL and credentials in the configuration.',
    evidence: [{ kind: 'fact', name: 'connector error', value: error }],
    actions: [],
  };
}
