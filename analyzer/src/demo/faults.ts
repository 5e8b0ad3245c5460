/** The fault scenarios the demo can stage, per plugin (the first of each is its headline fault). */
import { faults as elasticsearch } from '@kubestack/plugin-elasticsearch/faults';
import { faults as kafka } from '@kubestack/plugin-kafka/faults';
import { faults as mysql } from '@kubestack/plugin-mysql/faults';
import { faults as postgresql } from '@kubestack/plugin-postgresql/faults';
import { faults as rabbitmq } from '@kubestack/plugin-rabbitmq/faults';
import { faults as redis } from '@kubestack/plugin-redis/faults';
import type { FaultScenario } from '@kubestack/plugin-sdk';

export const FAULTS: Record<string, readonly FaultScenario[]> = {
  redis,
  postgresql,
  mysql,
  rabbitmq,
  kafka,
  elasticsearch,
};
