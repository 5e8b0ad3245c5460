/**
 * Read-only connector over the Kafka admin protocol (kafkajs): cluster, topic metadata and configs,
 * consumer groups and their lag. The URL is `kafka://[user:password@]host:port[,host:port…]`
 * (`kafka+ssl://` for TLS; SASL mechanism from `?mechanism=`, PLAIN by default).
 */
import { type Connector, messageOf } from '@kubestack/plugin-sdk';
import { type Admin, type GroupDescription, Kafka, logLevel, type SASLOptions } from 'kafkajs';

export interface KafkaPartition {
  partition: number;
  /** Broker id of the leader; -1 when the partition has none (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface KafkaTopic {
  name: string;
  partitions: KafkaPartition[];
  /** null when the topic configs could not be read. */
  minInSyncReplicas: number | null;
  /** -1 means unlimited. */
  retentionMs: number | null;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number;
  endOffset: number;
  lag: number;
}

export interface ConsumerGroup {
  groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead…; Unknown when it cannot be described. */
  state: string;
  /** null when the group cannot be described (e.g. a group type the classic DescribeGroups API refuses). */
  members: number | null;
  /** Sum over the partitions the group has committed offsets for. */
  lag: number;
  partitions: PartitionLag[];
}

export interface Facts {
  clusterId: string;
  /** null when the cluster reports no active controller. */
  controllerId: number | null;
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  topics: KafkaTopic[];
  groups: ConsumerGroup[];
}

const TOPIC_RESOURCE = 2; // kafkajs ConfigResourceTypes.TOPIC
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
type SaslMechanism = (typeof SASL_MECHANISMS)[number];
const isSaslMechanism = (value: string): value is SaslMechanism =>
  (SASL_MECHANISMS as readonly string[]).includes(value);

export interface KafkaEndpoint {
  brokers: string[];
  ssl: boolean;
  sasl?: SASLOptions;
}

/** Parses `kafka://` URLs; several brokers are comma-separated, which `URL` cannot parse. */
export function parseKafkaUrl(url: string): KafkaEndpoint {
  const match = /^kafka(\+ssl)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)\/?(?:\?(.*))?$/.exec(url);
  if (match === null) throw new Error('the URL must look like kafka://host:port[,host:port…]');
  const [, tls, user, password, hosts = '', query] = match;
  const endpoint: KafkaEndpoint = { brokers: hosts.split(',').filter(Boolean), ssl: tls !== undefined };
  if (user !== undefined && user !== '') {
    const mechanism = new URLSearchParams(query).get('mechanism')?.toLowerCase() ?? 'plain';
    if (!isSaslMechanism(mechanism)) {
      throw new Error(`unsupported SASL mechanism "${mechanism}" (use ${SASL_MECHANISMS.join(', ')})`);
    }
    endpoint.sasl = {
      mechanism,
      username: decodeURIComponent(user),
      password: decodeURIComponent(password ?? ''),
    };
  }
  return endpoint;
}

export const connector: Connector<Facts> = {
  defaultUrl: (address) => `kafka://${address}`,

  async collect(target, { timeoutMs }) {
    const where = `Apache Kafka ${target.instance.name}`;
    let endpoint: KafkaEndpoint;
    try {
      endpoint = parseKafkaUrl(target.url);
    } catch (error) {
      throw new Error(`${where}: ${messageOf(error)}`);
    }
    const kafka = new Kafka({
      clientId: 'kubestack-ai',
      brokers: endpoint.brokers,
      ssl: endpoint.ssl,
      ...(endpoint.sasl === undefined ? {} : { sasl: endpoint.sasl }),
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // One quick retry for transient states (coordinator loading); a refused broker fails fast.
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
      logLevel: logLevel.NOTHING,
    });
    const deadline = AbortSignal.timeout(timeoutMs);
    const admin = kafka.admin();
    const timedOut = new Promise<never>((_, reject) => {
      deadline.addEventListener('abort', () => reject(new Error(`no complete answer within ${timeoutMs} ms`)));
    });
    try {
      return await Promise.race([readFacts(refusingAfter(deadline, admin)), timedOut]);
    } catch (error) {
      throw new Error(`${where}: ${messageOf(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

/**
 * The admin client, refusing new requests once the deadline passed: work still running after the
 * timeout must not reconnect behind the final disconnect.
 */
function refusingAfter(deadline: AbortSignal, admin: Admin): Admin {
  return new Proxy(admin, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        deadline.throwIfAborted();
        return value.apply(target, args);
      };
    },
  });
}

async function readFacts(admin: Admin): Promise<Facts> {
  await step('cannot connect', () => admin.connect());
  const cluster = await step('cannot describe the cluster', () => admin.describeCluster());
  const { topics: metadata } = await step('cannot read topic metadata', () => admin.fetchTopicMetadata());
  const [configs, groups] = await Promise.all([
    // Configs refine the rules but are not essential (the DescribeConfigs ACL may be missing).
    topicConfigs(
      admin,
      metadata.map((topic) => topic.name),
    ).catch(() => new Map<string, Map<string, number>>()),
    step('cannot read consumer groups', () => consumerGroups(admin, new Set(metadata.map((topic) => topic.name)))),
  ]);
  return {
    clusterId: cluster.clusterId,
    controllerId: cluster.controller === null || cluster.controller < 0 ? null : cluster.controller,
    brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
    topics: metadata.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({
        partition: partition.partitionId,
        leader: partition.leader,
        replicas: partition.replicas,
        isr: partition.isr,
        offlineReplicas: partition.offlineReplicas ?? [],
      })),
      minInSyncReplicas: configs.get(topic.name)?.get('min.insync.replicas') ?? null,
      retentionMs: configs.get(topic.name)?.get('retention.ms') ?? null,
    })),
    groups,
  };
}

/** Numeric topic configs by topic, read in one request. */
async function topicConfigs(admin: Admin, topics: string[]): Promise<Map<string, Map<string, number>>> {
  const configs = new Map<string, Map<string, number>>();
  if (topics.length === 0) return configs;
  const { resources } = await admin.describeConfigs({
    resources: topics.map((name) => ({
      type: TOPIC_RESOURCE,
      name,
      configNames: ['min.insync.replicas', 'retention.ms'],
    })),
    includeSynonyms: false,
  });
  for (const resource of resources) {
    const values = new Map<string, number>();
    for (const entry of resource.configEntries) {
      const value = Number(entry.configValue);
      if (entry.configValue !== null && Number.isFinite(value)) values.set(entry.configName, value);
    }
    configs.set(resource.resourceName, values);
  }
  return configs;
}

async function consumerGroups(admin: Admin, existingTopics: Set<string>): Promise<ConsumerGroup[]> {
  const { groups: listed } = await admin.listGroups();
  if (listed.length === 0) return [];
  const descriptions = await describeGroups(
    admin,
    listed.map((group) => group.groupId),
  );
  // End offsets are shared by every group reading a topic: ask once per topic.
  const endOffsets = new Map<string, Promise<Map<number, number>>>();
  const endOffsetsOf = (topic: string) => {
    let offsets = endOffsets.get(topic);
    if (offsets === undefined) {
      offsets = admin
        .fetchTopicOffsets(topic)
        .then((partitions) => new Map(partitions.map((entry) => [entry.partition, Number(entry.high)])));
      endOffsets.set(topic, offsets);
    }
    return offsets;
  };
  return Promise.all(
    listed.map(async ({ groupId }): Promise<ConsumerGroup> => {
      const committed = await admin.fetchOffsets({ groupId });
      const partitions: PartitionLag[] = [];
      for (const { topic, partitions: offsets } of committed) {
        // Offsets may outlive a deleted topic; those have no end offset to compare with.
        if (!existingTopics.has(topic)) continue;
        const ends = await endOffsetsOf(topic);
        for (const { partition, offset } of offsets) {
          const committedOffset = Number(offset);
          const endOffset = ends.get(partition);
          // -1: the group never committed on this partition, so its lag is unknown.
          if (committedOffset < 0 || endOffset === undefined) continue;
          partitions.push({
            topic,
            partition,
            committedOffset,
            endOffset,
            lag: Math.max(0, endOffset - committedOffset),
          });
        }
      }
      const description = descriptions.get(groupId);
      return {
        groupId,
        state: description?.state ?? 'Unknown',
        members: description?.members.length ?? null,
        lag: partitions.reduce((sum, partition) => sum + partition.lag, 0),
        partitions,
      };
    }),
  );
}

/**
 * Describes groups in one batch; kafkajs fails the whole batch when one group has an error code, so
 * then each group is described alone and the ones that fail stay unknown.
 */
async function describeGroups(admin: Admin, groupIds: string[]): Promise<Map<string, GroupDescription>> {
  const described = await admin.describeGroups(groupIds).then(
    ({ groups }) => groups,
    () =>
      Promise.all(
        groupIds.map((groupId) =>
          admin.describeGroups([groupId]).then(
            ({ groups }) => groups,
            () => [],
          ),
        ),
      ).then((results) => results.flat()),
  );
  return new Map(described.map((group) => [group.groupId, group]));
}

/** Runs one step of the collection, naming it in the error. */
async function step<T>(failure: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`${failure} (${messageOf(error)})`);
  }
}
