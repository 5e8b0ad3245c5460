/** The installed middleware plugins. Adding one is a dependency plus a line here. */
import elasticsearch from '@kubestack/plugin-elasticsearch';
import kafka from '@kubestack/plugin-kafka';
import mysql from '@kubestack/plugin-mysql';
import postgresql from '@kubestack/plugin-postgresql';
import rabbitmq from '@kubestack/plugin-rabbitmq';
import redis from '@kubestack/plugin-redis';
import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';

export const PLUGINS: readonly MiddlewarePlugin[] = [
  redis,
  postgresql,
  mysql,
  rabbitmq,
  kafka,
  elasticsearch,
] as MiddlewarePlugin[];
