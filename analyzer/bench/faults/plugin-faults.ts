/** The plugins' own fault injections (each plugin's src/faults.ts), by middleware and id. */
import { faults as elasticsearch } from '@kubestack/plugin-elasticsearch/faults';
import { faults as kafka } from '@kubestack/plugin-kafka/faults';
import { faults as mysql } from '@kubestack/plugin-mysql/faults';
import { faults as postgresql } from '@kubestack/plugin-postgresql/faults';
import { faults as rabbitmq } from '@kubestack/plugin-rabbitmq/faults';
import { faults as redis } from '@kubestack/plugin-redis/faults';
import type { FaultScenario } from '@kubestack/plugin-sdk';
import type { Middleware, Stack, Undo } from './types.ts';

const PLUGIN_FAULTS: Record<Middleware, readonly FaultScenario[]> = {
  redis,
  postgresql,
  mysql,
  rabbitmq,
  kafka,
  elasticsearch,
};

/** An inject that runs the plugin's fault `id` against the stack's instance of `middleware`. */
export function pluginFault(middleware: Middleware, id: string): (stack: Stack) => Promise<Undo> {
  const fault = PLUGIN_FAULTS[middleware].find((candidate) => candidate.id === id);
  if (!fault) throw new Error(`the ${middleware} plugin has no fault "${id}"`);
  return (stack) => fault.inject(stack.connectors[middleware]);
}
