/** RabbitMQ log lines (as shipped to Elasticsearch with `service.type: rabbitmq`) that mean something. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'rabbitmq',
  notable: [
    {
      id: 'memory-alarm-set',
      pattern: 'memory resource limit alarm set',
      meaning: 'The node crossed its memory high watermark and blocks all publishers until memory is freed.',
    },
    {
      id: 'disk-alarm-set',
      pattern: 'disk resource limit alarm set',
      meaning: 'Free disk fell below the disk free limit; all publishers are blocked.',
    },
    {
      id: 'missed-heartbeats',
      pattern: 'missed heartbeats from client',
      meaning: 'A client stopped answering heartbeats (hung process, network loss or a blocked event loop).',
    },
    {
      id: 'connection-closed-abruptly',
      pattern: 'client unexpectedly closed TCP connection',
      meaning:
        'A client dropped its socket without closing the AMQP connection (crash, kill or load balancer timeout).',
    },
    {
      id: 'closing-connection',
      pattern: 'closing AMQP connection',
      meaning: 'A connection is being closed; in bursts it shows connection churn or mass disconnects.',
    },
    {
      id: 'authentication-refused',
      pattern: 'login (was )?refused|invalid credentials',
      meaning: 'A client failed to authenticate: wrong or rotated credentials.',
    },
    {
      id: 'channel-exception',
      pattern: 'caused a (channel|connection) exception',
      meaning: 'A client operation failed (e.g. precondition_failed on queue arguments, not_found, access_refused).',
    },
    {
      id: 'network-partition',
      pattern: 'inconsistent_database|partial partition detected|running_partitioned_network',
      meaning: 'Cluster nodes lost sight of each other: a network partition, data may diverge.',
    },
    {
      id: 'node-down',
      pattern: 'node \\S+ down',
      meaning: 'A cluster peer became unreachable.',
    },
  ],
};
