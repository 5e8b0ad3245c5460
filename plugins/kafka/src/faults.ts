/**
 * Real faults induced on a live Kafka cluster through the URL the connector takes (`kafka://…`), with
 * the rules that must catch them from the connector's facts. Safe on a shared cluster: each scenario
 * creates its own randomly named topic and consumer group and deletes both on undo; no broker or
 * topic config is changed. Never used by the analyzer.
 */
import { type FaultScenario, faultName, induceFault, messageOf } from '@kubestack/plugin-sdk';
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { parseKafkaUrl } from './connector.ts';
import { GROUP_LAG_WARNING } from './rules.ts';

const PARTITIONS = 2;
const MESSAGES = GROUP_LAG_WARNING + 500;
/** The offset the group commits on every partition: everything after it is lag. */
const COMMITTED = 10;
const WAIT_MS = 30_000;
const POLL_MS = 200;

/** Polls `done` until it holds, or fails naming `what` after WAIT_MS. */
async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Kafka fault: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Creates a topic with MESSAGES messages and a consumer group that committed offset COMMITTED on every
 * partition. With `keepMember` its only member stays joined (paused, consuming nothing) until undo;
 * otherwise it leaves and the group is Empty. Resolves once the group shows that state and its offsets.
 */
async function laggingGroup(url: string, role: string, keepMember: boolean): Promise<() => Promise<void>> {
  const endpoint = parseKafkaUrl(url);
  const kafka = new Kafka({
    clientId: 'kubestack-fault',
    brokers: endpoint.brokers,
    ssl: endpoint.ssl,
    ...(endpoint.sasl === undefined ? {} : { sasl: endpoint.sasl }),
    // A few quick retries for transient states (coordinator loading); an unreachable broker fails fast.
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
  const topic = faultName(role);
  const groupId = `${topic}-group`;
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer();
  // A short session (the broker's minimum is 6 s) lets a member lost to a restart leave the group quickly.
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
  const groupState = async () => {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0];
  };

  return induceFault(
    `Kafka fault ${topic}`,
    async (cleanup) => {
      cleanup.add(() => admin.disconnect());
      await admin.connect();
      // What may exist on the cluster is registered before the request that creates it (it may succeed and
      // still time out); undo reconnects the admin, which a failure may have disconnected.
      cleanup.add(async () => {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata().catch(() => ({ topics: [{ name: topic }] }));
        if (topics.some((existing) => existing.name === topic)) await admin.deleteTopics({ topics: [topic] });
      });
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      cleanup.add(() => producer.disconnect());
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: MESSAGES }, (_, i) => ({ partition: i % PARTITIONS, value: `message ${i}` })),
      });

      cleanup.add(async () => {
        await admin.connect();
        // A member that just left may keep the group busy for a moment; an absent group is done already.
        await waitFor(`consumer group ${groupId} to be deleted`, async () => {
          const state = (await groupState())?.state;
          if (state === undefined || state === 'Dead') return true;
          await admin.deleteGroups([groupId]);
          return true;
        });
      });
      // A member that commits an early offset on every partition and then consumes nothing; undo disconnects it
      // before deleting its group.
      // On a fresh broker the group coordinator needs __consumer_offsets created and loaded first; joining
      // before that crashes the consumer and leaves a ghost member until its session times out.
      await waitFor(`the coordinator of ${groupId}`, async () => {
        await admin.describeGroups([groupId]);
        return true;
      });
      cleanup.add(() => consumer.disconnect());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let joinTimer: NodeJS.Timeout | undefined;
      const joined = new Promise((resolve, reject) => {
        consumer.on(consumer.events.GROUP_JOIN, resolve);
        // A retriable crash (e.g. a fresh broker still loading __consumer_offsets) restarts the consumer by itself.
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) reject(payload.error);
        });
        joinTimer = setTimeout(() => reject(new Error(`${groupId} did not join within ${WAIT_MS} ms`)), WAIT_MS);
      });
      try {
        await consumer.run({ autoCommit: false, eachMessage: async () => consumer.pause([{ topic }]) });
        await joined;
      } finally {
        clearTimeout(joinTimer);
      }
      consumer.pause([{ topic }]);
      const partitions = Array.from({ length: PARTITIONS }, (_, partition) => partition);
      await consumer.commitOffsets(partitions.map((partition) => ({ topic, partition, offset: String(COMMITTED) })));
      if (!keepMember) await consumer.disconnect();

      const wanted = keepMember ? 'Stable' : 'Empty';
      await waitFor(`consumer group ${groupId} to be ${wanted} with its offsets committed`, async () => {
        const group = await groupState();
        if (group?.state !== wanted || group.members.length !== (keepMember ? 1 : 0)) return false;
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (
          offsets?.partitions.length === PARTITIONS && offsets.partitions.every((p) => p.offset === `${COMMITTED}`)
        );
      });
    },
    {
      failed: (error) => {
        const message = messageOf(error);
        return new Error(message.startsWith('Kafka fault') ? message : `Kafka fault: ${message}`, { cause: error });
      },
    },
  );
}

const lagWithLiveMember: FaultScenario = {
  id: 'consumer-group-lag',
  title: 'A Kafka consumer group with a live member has stopped consuming and falls behind',
  fires: ['consumer-group-lag'],
  inject: (url) => laggingGroup(url, 'stalled', true),
};

const inactiveGroupWithLag: FaultScenario = {
  id: 'inactive-group-with-lag',
  title: 'A Kafka consumer group without members has unread messages',
  fires: ['inactive-group-with-lag'],
  inject: (url) => laggingGroup(url, 'abandoned', false),
};

export const faults: FaultScenario[] = [lagWithLiveMember, inactiveGroupWithLag];
