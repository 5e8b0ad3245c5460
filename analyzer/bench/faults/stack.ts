/**
 * The test stack the scenarios run on, from the same settings as the analyzer (KSA_*) and the stack's client
 * variables (REDIS_URL, RABBITMQ_URL, KAFKA_BROKERS…, from stack.env): instance ids are `<plugin>:<host:port>`
 * as the exporters label them, connector URLs come from the analyzer's own connector settings.
 */
import { addressOf } from '@kubestack/plugin-sdk/testkit';
import type { Config } from '../../src/config/schema.ts';
import { connectionUrl } from '../../src/diagnose/connections.ts';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { MIDDLEWARE, type Middleware, type Stack } from './types.ts';

/** The environment variable holding each middleware's client URL (its host:port is the instance label). */
const CLIENT_URL_ENV: Record<Middleware, string> = {
  redis: 'REDIS_URL',
  postgresql: 'POSTGRES_URL',
  mysql: 'MYSQL_URL',
  rabbitmq: 'RABBITMQ_URL',
  kafka: 'KAFKA_BROKERS',
  elasticsearch: 'ELASTICSEARCH_URL',
};

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: source the stack's settings first (source /tmp/kubestack-stack/stack.env)`);
  }
  return value;
}

export function stackFrom(config: Config, env: NodeJS.ProcessEnv = process.env): Stack {
  const brokers = required(env, CLIENT_URL_ENV.kafka)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  const addressOfMiddleware = (middleware: Middleware): string =>
    middleware === 'kafka' ? (brokers[0] as string) : addressOf(required(env, CLIENT_URL_ENV[middleware]));
  const nodes = {} as Record<Middleware, string>;
  const connectors = {} as Record<Middleware, string>;
  for (const middleware of MIDDLEWARE) {
    const address = addressOfMiddleware(middleware);
    const plugin = PLUGINS.find((candidate) => candidate.id === middleware);
    if (!plugin) throw new Error(`the ${middleware} plugin is not installed`);
    const url = connectionUrl(config.connectors, plugin, address);
    if (url === undefined) throw new Error(`no connector URL for ${middleware} (set KSA_CONNECTOR_*_URL)`);
    nodes[middleware] = `${middleware}:${address}`;
    connectors[middleware] = url;
  }
  return {
    nodes,
    connectors,
    clients: {
      rabbitmqAmqp: required(env, CLIENT_URL_ENV.rabbitmq),
      kafkaBrokers: brokers,
      elasticsearch: required(env, CLIENT_URL_ENV.elasticsearch),
    },
  };
}
