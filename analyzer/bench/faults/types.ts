/**
 * The shape of a fault-injection scenario (one folder each under scenarios/), and the stack it runs on. Like
 * an eval fixture: what to set up, the fault to inject, where the symptom is looked at, and the root cause
 * the analyzer must name.
 */
import type { FaultClass } from '@kubestack/plugin-sdk';

export const MIDDLEWARE = ['redis', 'postgresql', 'mysql', 'rabbitmq', 'kafka', 'elasticsearch'] as const;
export type Middleware = (typeof MIDDLEWARE)[number];

/** The test stack as the scenarios see it: each middleware's instance id and the URLs to reach it. */
export interface Stack {
  /** Instance ids as the analyzer names them (`redis:127.0.0.1:16379`). */
  nodes: Record<Middleware, string>;
  /** The URL each plugin's connector (and so its fault injections) takes. */
  connectors: Record<Middleware, string>;
  /** Client URLs for what a simulated application does (AMQP for RabbitMQ, brokers for Kafka). */
  clients: { rabbitmqAmqp: string; kafkaBrokers: string[]; elasticsearch: string };
}

/** Undoes what an inject (or setup) did; runs once, and must tolerate a half-done inject. */
export type Undo = () => Promise<void>;

/** One query of a Grafana panel, by data source. */
export type PanelQuery = { datasource: 'prometheus'; expr: string } | { datasource: 'elasticsearch'; query: string };

/** Where the symptom is observed, i.e. what the analyzer is asked to explain. */
export type Target =
  /** A Grafana panel: POST /api/v1/explain. */
  | { kind: 'panel'; title: string; queries: PanelQuery[] }
  /** An instance, optionally one of its key signals: POST /api/v1/rca. */
  | { kind: 'instance'; node: string; signal?: string }
  /** A firing alert naming the instance: POST /api/v1/rca with `alert`. */
  | { kind: 'alert'; alertname: string; node: string };

export interface Expected {
  /** The instance (or `service:<name>`) that is the root cause. */
  node: string;
  /**
   * Its fault class. Several only when the injected fault genuinely is each of them (a row lock held by a
   * transaction left idle is both lock contention and a long transaction); any one of them counts as a hit.
   */
  faultClass: FaultClass | readonly FaultClass[];
}

export interface FaultBenchScenario {
  /** The folder name. */
  id: string;
  title: string;
  /** Every middleware the scenario touches, the cause's first. */
  middleware: readonly Middleware[];
  /** Dependencies the scenario's applications declare (setting topology.dependencies). */
  dependencies?: (stack: Stack) => ReadonlyArray<{ from: string; to: string }>;
  /** Creates what the fault needs and is not the fault (a table, a topic); returns its undo. */
  setup?: (stack: Stack) => Promise<Undo>;
  /** Injects the fault and resolves once it is in place; returns its undo. */
  inject: (stack: Stack) => Promise<Undo>;
  target: (stack: Stack) => Target;
  expected: (stack: Stack) => Expected;
  /** Extra cleanup after undo, for what neither undo removes (rarely needed). */
  cleanup?: (stack: Stack) => Promise<void>;
}
