/**
 * The plugin manifest: everything KubeStack-AI knows about one kind of middleware.
 * A plugin is data plus small pure functions; the analyzer holds no middleware knowledge.
 */
import type { Evidence } from './evidence.ts';

export type Category = 'cache' | 'database' | 'queue' | 'stream' | 'search' | 'host';
export type Severity = 'critical' | 'warning' | 'info';
export type Unit =
  | 'bytes'
  | 'ratio'
  | 'percent'
  | 'count'
  | 'per_second'
  | 'bytes_per_second'
  | 'seconds'
  | 'milliseconds';
/** Which way a signal moving is bad news. */
export type BadDirection = 'up' | 'down' | 'both';
export type Risk = 'low' | 'medium' | 'high';

/**
 * What kind of fault a rule, signal or known case points at: one vocabulary across middleware, so that root
 * causes found on different middleware can be compared and a fault suite can state what it expects.
 */
export const FAULT_CLASSES = [
  /** Memory near or at a limit: evictions, OOM refusals, heap exhaustion, GC pressure. */
  'memory-pressure',
  /** Connections or clients at their maximum; new ones refused or queued. */
  'connection-exhaustion',
  /** Sessions waiting on locks, deadlocks, blocked clients. */
  'lock-contention',
  /** Long-running or expensive queries and commands. */
  'slow-queries',
  /** Transactions left open: idle in transaction, old snapshots, blocked vacuum or purge. */
  'long-transaction',
  /** Disk full or near it: watermarks, read-only blocks, WAL or binlog growth. */
  'disk-pressure',
  /** Replicas behind, broken or out of sync; under-replicated partitions or shards. */
  'replication',
  /** Consumers falling behind a stream. */
  'consumer-lag',
  /** Messages piling up in a queue: slow, stuck or missing consumers. */
  'backlog',
  /** The middleware or a node is down, restarting or unreachable. */
  'availability',
  /** CPU, threads, file descriptors or other capacity saturated. */
  'resource-saturation',
  /** Snapshots, AOF, WAL, checkpoints or flushes failing or too slow. */
  'persistence',
  /** A setting that is risky or wrong for the workload. */
  'configuration',
  /** Data not served: unassigned shards, offline partitions, corruption. */
  'data-unavailable',
  /** Traffic or load far above normal. */
  'load-surge',
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** How the plugin's instances are found in Prometheus. */
export interface Discovery {
  /**
   * PromQL returning one series per instance; value 1 means the middleware is reachable by its
   * exporter, 0 means it is not. Example: `redis_up`.
   */
  query: string;
  /** The label identifying an instance (default `instance`); its value is usually `host:port`. */
  instanceLabel?: string;
}

/** A key signal, as a PromQL template over one instance. */
export interface SignalSpec {
  id: string;
  name: string;
  /** PromQL; `{{instance}}` is replaced by the instance label value, escaped for a string literal. */
  query: string;
  unit: Unit;
  badDirection: BadDirection;
  /** The saturation limit this signal runs into, when one exists (e.g. maxmemory for used memory). */
  limit?: { query: string; name: string };
  /** Counters must be given as rates already (use `rate()` in the query); this marks the intent. */
  description: string;
  /** The kind of fault an anomaly of this signal points at when it is a root cause. */
  faultClass?: FaultClass;
}

/** A log line pattern whose presence means something to an operator. */
export interface NotableLogPattern {
  id: string;
  /** JavaScript regular expression source, matched case-insensitively against the message. */
  pattern: string;
  meaning: string;
}

/** Where the plugin's logs are in Elasticsearch (by the `service.type` field) and what matters in them. */
export interface LogSpec {
  serviceType: string;
  notable: NotableLogPattern[];
}

/** Statistics of one signal over the diagnosis window. */
export interface SignalValue {
  id: string;
  name: string;
  unit: Unit;
  badDirection: BadDirection;
  last: number;
  first: number;
  min: number;
  max: number;
  mean: number;
  points: number;
  /** The saturation limit's latest value, when the signal has one and it is known (> 0). */
  limit?: number;
}

export interface LogLine {
  timestamp: string;
  level: string;
  message: string;
}

export interface LogSummary {
  /** False when logs could not be read (Elasticsearch down); rules must not conclude from absence then. */
  available: boolean;
  /** Lines of the instance in the window. */
  total: number;
  byLevel: Record<string, number>;
  /** The newest lines of the window that were matched against the notable patterns (at most a configured number). */
  scanned: number;
  /** Per notable pattern id: how many of the scanned lines matched, and a few of them. */
  notable: Record<string, { count: number; sample: LogLine[] }>;
}

export interface InstanceRef {
  /** `<plugin id>:<instance label>`, e.g. `redis:127.0.0.1:6379`. */
  id: string;
  type: string;
  /** The instance label value, usually `host:port`. */
  name: string;
  labels: Record<string, string>;
}

export interface RuleContext<F> {
  instance: InstanceRef;
  window: { from: Date; to: Date };
  signals: Record<string, SignalValue | undefined>;
  /** Facts read directly from the middleware by the connector; undefined when it could not be read. */
  facts: F | undefined;
  logs: LogSummary;
}

export interface RuleOutcome {
  /** Overrides the rule's default severity (e.g. warning → critical past a higher threshold). */
  severity?: Severity;
  explanation: string;
  evidence: Evidence[];
}

export interface Rule<F> {
  id: string;
  title: string;
  severity: Severity;
  /** Signal ids the rule reads; checked against the manifest. */
  signals: string[];
  /** Remediation action ids that address what the rule finds. */
  actions: string[];
  /** The kind of fault the rule finds. */
  faultClass: FaultClass;
  /** Pure: returns an outcome when the condition holds, otherwise null. */
  evaluate(ctx: RuleContext<F>): RuleOutcome | null;
}

export interface ConnectionTarget {
  instance: InstanceRef;
  /** Connection URL with credentials; never logged, never sent to an LLM or a browser. */
  url: string;
}

/** Direct, read-only checks against the middleware itself. */
export interface Connector<F> {
  /**
   * The URL used when the configuration gives none, built from the instance address; undefined when
   * the middleware needs credentials to be read (no guessed logins against production servers).
   */
  defaultUrl(address: string): string | undefined;
  /** Reads facts. Must not change anything on the server. Rejects with a clear message on failure. */
  collect(target: ConnectionTarget, options: { timeoutMs: number }): Promise<F>;
}

/** A JSON schema for action parameters (kept loose on purpose: plain data). */
export interface ParameterSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
}

/** A remediation action the plugin offers. Declared here; executed through the remediation workflow. */
export interface ActionSpec {
  id: string;
  title: string;
  description: string;
  risk: Risk;
  reversible: boolean;
  params: ParameterSchema;
}

export interface MiddlewarePlugin<F = unknown> {
  id: string;
  displayName: string;
  category: Category;
  discovery: Discovery;
  signals: SignalSpec[];
  logs: LogSpec;
  rules: Rule<F>[];
  connector: Connector<F>;
  actions: ActionSpec[];
}

/**
 * A real fault that tests, the demo and the fault-injection suite induce on a live server, with the
 * rules that must catch it. Faults live beside the rules that catch them; they are never used by
 * the analyzer at run time.
 */
export interface FaultScenario {
  id: string;
  title: string;
  /** Rule ids of this plugin that fire, from the connector's facts, while the fault is in place. */
  fires: string[];
  /**
   * Induces the fault through the same connection URL the connector uses and resolves once it is in
   * place. The returned function undoes it completely (and is safe to call once even if inject half-failed).
   */
  inject(url: string): Promise<() => Promise<void>>;
}
