/**
 * Key Kafka broker signals from the Prometheus JMX exporter (default Kafka rules: MBean names
 * lower-cased, Meters as `_total` counters, gauges as is). Broker-wide BrokerTopicMetrics are the
 * series without a `topic` label; `topic=""` selects them even when per-topic series exist.
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

export const signals: SignalSpec[] = [
  {
    id: 'under_replicated_partitions',
    name: 'Under-replicated partitions',
    faultClass: 'replication',
    query: 'sum(kafka_server_replicamanager_underreplicatedpartitions{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Partitions led by this broker whose in-sync replica set is smaller than the replica set.',
  },
  {
    id: 'under_min_isr_partitions',
    name: 'Partitions under min ISR',
    faultClass: 'replication',
    query: 'sum(kafka_server_replicamanager_underminisrpartitioncount{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Partitions with fewer in-sync replicas than min.insync.replicas: acks=all producers fail.',
  },
  {
    id: 'offline_partitions',
    name: 'Offline partitions',
    faultClass: 'data-unavailable',
    query: 'sum(kafka_controller_kafkacontroller_offlinepartitionscount{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Partitions without a leader (reported by the active controller): unreadable and unwritable.',
  },
  {
    id: 'active_controllers',
    name: 'Active controllers in the cluster',
    faultClass: 'availability',
    // Summed over every node of the instance's job: exactly one node of a healthy cluster reports 1.
    query: 'sum(kafka_controller_kafkacontroller_activecontrollercount and on(job) up{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'both',
    description: 'Nodes acting as active controller across the cluster; anything but 1 is broken.',
  },
  {
    id: 'messages_in_rate',
    name: 'Messages in',
    faultClass: 'load-surge',
    query:
      'sum(rate(kafka_server_brokertopicmetrics_messagesin_total{instance="{{instance}}",topic=""}' +
      '[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'both',
    description: 'Messages appended to the broker per second.',
  },
  {
    id: 'bytes_in_rate',
    name: 'Bytes in',
    faultClass: 'load-surge',
    query:
      'sum(rate(kafka_server_brokertopicmetrics_bytesin_total{instance="{{instance}}",topic=""}[{{rate_interval}}]))',
    unit: 'bytes_per_second',
    badDirection: 'both',
    description: 'Bytes produced to the broker per second (replication excluded).',
  },
  {
    id: 'bytes_out_rate',
    name: 'Bytes out',
    faultClass: 'load-surge',
    query:
      'sum(rate(kafka_server_brokertopicmetrics_bytesout_total{instance="{{instance}}",topic=""}[{{rate_interval}}]))',
    unit: 'bytes_per_second',
    badDirection: 'both',
    description: 'Bytes fetched by consumers per second (replication excluded).',
  },
  {
    id: 'request_handler_idle',
    name: 'Request handler idle ratio',
    faultClass: 'resource-saturation',
    query: 'avg(kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent{instance="{{instance}}"})',
    unit: 'ratio',
    badDirection: 'down',
    description: 'Fraction of time the request handler threads are idle; near 0 the broker queues requests.',
  },
  {
    id: 'network_processor_idle',
    name: 'Network processor idle ratio',
    faultClass: 'resource-saturation',
    query: 'avg(kafka_network_socketserver_networkprocessoravgidle_percent{instance="{{instance}}"})',
    unit: 'ratio',
    badDirection: 'down',
    description: 'Fraction of time the network threads are idle; near 0 the broker cannot read or answer requests.',
  },
  {
    id: 'isr_shrinks_rate',
    name: 'ISR shrinks',
    faultClass: 'replication',
    query: 'sum(rate(kafka_server_replicamanager_isrshrinks_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'up',
    description: 'Replicas dropped from in-sync replica sets per second: followers lagging or brokers flapping.',
  },
  {
    id: 'offline_log_directories',
    name: 'Offline log directories',
    faultClass: 'persistence',
    query: 'sum(kafka_log_logmanager_offlinelogdirectorycount{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Log directories the broker took offline after an I/O error; their partitions are gone from it.',
  },
  {
    id: 'preferred_replica_imbalance',
    name: 'Partitions not led by their preferred replica',
    faultClass: 'resource-saturation',
    query: 'sum(kafka_controller_kafkacontroller_preferredreplicaimbalancecount{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Partitions whose leader is not the preferred replica (reported by the active controller).',
  },
];
