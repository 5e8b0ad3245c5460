/**
 * Every scenario, in the order the suite runs them: middleware interleaved, so the 30-minute baseline before a
 * scenario's window holds as little as possible of the previous faults on the same instance (at least two
 * other scenarios, some four minutes, between two on one instance: more than the window's lead).
 */
import type { FaultBenchScenario } from '../types.ts';
import { scenario as appErrorsFromPostgresqlConnections } from './app-errors-from-postgresql-connections/scenario.ts';
import { scenario as elasticsearchReadOnlyIndex } from './elasticsearch-read-only-index/scenario.ts';
import { scenario as elasticsearchUnassignableReplica } from './elasticsearch-unassignable-replica/scenario.ts';
import { scenario as kafkaAbandonedGroup } from './kafka-abandoned-group/scenario.ts';
import { scenario as kafkaLagFromSlowDatabase } from './kafka-lag-from-slow-database/scenario.ts';
import { scenario as kafkaStalledConsumer } from './kafka-stalled-consumer/scenario.ts';
import { scenario as mysqlConnections } from './mysql-connections/scenario.ts';
import { scenario as mysqlRowLock } from './mysql-row-lock/scenario.ts';
import { scenario as mysqlSlowQueries } from './mysql-slow-queries/scenario.ts';
import { scenario as postgresqlConnectionSlots } from './postgresql-connection-slots/scenario.ts';
import { scenario as postgresqlDeadlocks } from './postgresql-deadlocks/scenario.ts';
import { scenario as postgresqlIdleInTransaction } from './postgresql-idle-in-transaction/scenario.ts';
import { scenario as postgresqlRowLock } from './postgresql-row-lock/scenario.ts';
import { scenario as rabbitmqBacklogFromRedisLock } from './rabbitmq-backlog-from-redis-lock/scenario.ts';
import { scenario as rabbitmqBacklogWithoutConsumers } from './rabbitmq-backlog-without-consumers/scenario.ts';
import { scenario as rabbitmqQueueAtMaxLength } from './rabbitmq-queue-at-max-length/scenario.ts';
import { scenario as rabbitmqUnackedMessages } from './rabbitmq-unacked-messages/scenario.ts';
import { scenario as redisBlockedClient } from './redis-blocked-client/scenario.ts';
import { scenario as redisMemoryNoeviction } from './redis-memory-noeviction/scenario.ts';
import { scenario as redisSlowCommand } from './redis-slow-command/scenario.ts';

export const SCENARIOS: readonly FaultBenchScenario[] = [
  postgresqlConnectionSlots,
  redisMemoryNoeviction,
  mysqlRowLock,
  rabbitmqBacklogWithoutConsumers,
  postgresqlRowLock,
  kafkaStalledConsumer,
  elasticsearchUnassignableReplica,
  rabbitmqBacklogFromRedisLock,
  postgresqlDeadlocks,
  mysqlSlowQueries,
  kafkaAbandonedGroup,
  appErrorsFromPostgresqlConnections,
  redisBlockedClient,
  elasticsearchReadOnlyIndex,
  rabbitmqUnackedMessages,
  postgresqlIdleInTransaction,
  mysqlConnections,
  redisSlowCommand,
  rabbitmqQueueAtMaxLength,
  kafkaLagFromSlowDatabase,
];
