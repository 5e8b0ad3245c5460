import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRules } from '@kubestack/plugin-sdk';
import { contextFor, factValue, findingOf, firedRules, matchesLogPattern } from '@kubestack/plugin-sdk/testkit';
import { type ConsumerGroup, type KafkaTopic, parseKafkaUrl } from '../../src/connector.ts';
import plugin, { type Facts } from '../../src/index.ts';

/** A topic with one partition per replica set given, led by the first replica (preferred). */
function topic(name: string, replicaSets: number[][], overrides: Partial<KafkaTopic> = {}): KafkaTopic {
  return {
    name,
    partitions: replicaSets.map((replicas, partition) => ({
      partition,
      leader: replicas[0] ?? -1,
      replicas,
      isr: [...replicas],
      offlineReplicas: [],
    })),
    minInSyncReplicas: 2,
    retentionMs: 7 * 24 * 3_600_000,
    ...overrides,
  };
}

function group(groupId: string, lags: number[], overrides: Partial<ConsumerGroup> = {}): ConsumerGroup {
  const partitions = lags.map((lag, partition) => ({
    topic: 'orders',
    partition,
    committedOffset: 1_000,
    endOffset: 1_000 + lag,
    lag,
  }));
  return {
    groupId,
    state: 'Stable',
    members: 2,
    lag: lags.reduce((sum, lag) => sum + lag, 0),
    partitions,
    ...overrides,
  };
}

function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    clusterId: 'prod',
    controllerId: 1,
    brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: `kafka-${nodeId}`, port: 9092 })),
    topics: [
      topic('orders', [
        [1, 2, 3],
        [2, 3, 1],
        [3, 1, 2],
      ]),
    ],
    groups: [group('billing', [5, 3, 0])],
    ...overrides,
  };
}

const healthySignals = {
  under_replicated_partitions: 0,
  under_min_isr_partitions: 0,
  offline_partitions: 0,
  active_controllers: 1,
  request_handler_idle: 0.85,
  network_processor_idle: 0.9,
  isr_shrinks_rate: 0,
  offline_log_directories: 0,
  preferred_replica_imbalance: 0,
};

type Input = Parameters<typeof contextFor<Facts>>[1];
const evaluate = (input: Input) => runRules(plugin, contextFor(plugin, input));
const fired = (input: Input) => firedRules(plugin, contextFor(plugin, input));

/** Facts whose `orders` partitions are replaced, e.g. to drop brokers from ISRs. */
function withPartitions(change: (partition: KafkaTopic['partitions'][number]) => void): Facts {
  const changed = facts();
  for (const partition of changed.topics[0]?.partitions ?? []) change(partition);
  return changed;
}

describe('kafka rules', () => {
  it('stay silent on a healthy cluster, from facts and from signals', () => {
    assert.deepEqual(fired({ facts: facts(), signals: healthySignals }), []);
    assert.deepEqual(fired({ signals: healthySignals }), []);
  });

  it('conclude nothing without data', () => {
    assert.deepEqual(fired({ logs: { available: false } }), []);
  });

  describe('consumer-group-lag', () => {
    it('names the group, its lag and worst partitions', () => {
      const lagging = group('billing', [4_000, 200, 50]);
      const finding = findingOf(evaluate({ facts: facts({ groups: [lagging] }) }), 'consumer-group-lag');
      assert.equal(finding?.severity, 'warning');
      assert.match(
        finding?.explanation ?? '',
        /"billing" \(Stable\) is 4250 messages behind; worst partitions: orders\[0\] 4000, orders\[1\] 200/,
      );
      assert.match(finding?.explanation ?? '', /2 members for 3 partitions: add consumers/);
      assert.equal(factValue(finding?.evidence, 'group billing lag on orders[0]'), 4_000);
    });

    it('escalates past 100000 and suggests partitions when members already match them', () => {
      const huge = group('billing', [90_000, 20_000, 1], { members: 3 });
      const finding = findingOf(evaluate({ facts: facts({ groups: [huge] }) }), 'consumer-group-lag');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding?.explanation ?? '', /already has 3 members for 3 partitions/);
    });

    it('leaves groups without members to the inactive-group rule', () => {
      const idle = group('billing', [4_000], { members: 0, state: 'Empty' });
      assert.ok(!fired({ facts: facts({ groups: [idle] }) }).includes('consumer-group-lag'));
    });
  });

  describe('inactive-group-with-lag', () => {
    it('fires on an empty group with unread messages, naming retention', () => {
      const idle = group('reports', [150, 60], { members: 0, state: 'Empty' });
      const finding = findingOf(evaluate({ facts: facts({ groups: [idle] }) }), 'inactive-group-with-lag');
      assert.match(finding?.explanation ?? '', /"reports" \(Empty\) is 210 messages behind on orders.*after 7 d/);
      assert.equal(factValue(finding?.evidence, 'group reports members'), 0);
      assert.ok(finding?.actions.includes('reset-group-offsets'));
    });

    it('ignores leftovers below the threshold, dead groups and groups that could not be described', () => {
      const leftovers = group('reports', [5], { members: 0, state: 'Empty' });
      const dead = group('gone', [5_000], { members: 0, state: 'Dead' });
      const unknown = group('new-protocol', [5_000], { members: null, state: 'Unknown' });
      const rules = fired({ facts: facts({ groups: [leftovers, dead, unknown] }) });
      assert.ok(!rules.includes('inactive-group-with-lag') && !rules.includes('consumer-group-lag'));
    });
  });

  describe('under-replicated-partitions', () => {
    it('names the broker missing from ISRs', () => {
      const missing3 = withPartitions((partition) => {
        partition.isr = partition.replicas.filter((broker) => broker !== 3);
      });
      const finding = findingOf(evaluate({ facts: missing3 }), 'under-replicated-partitions');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /Brokers missing from ISRs: 3 \(3\)/);
      assert.equal(factValue(finding?.evidence, 'under-replicated partitions'), 3);
    });

    it('is critical when a partition is down to its last in-sync copy', () => {
      const lastCopy = withPartitions((partition) => {
        partition.isr = partition.replicas.slice(0, 1);
      });
      assert.equal(findingOf(evaluate({ facts: lastCopy }), 'under-replicated-partitions')?.severity, 'critical');
    });

    it('falls back to the signal', () => {
      assert.ok(
        fired({ signals: { ...healthySignals, under_replicated_partitions: 4 } }).includes(
          'under-replicated-partitions',
        ),
      );
    });
  });

  describe('partitions-under-min-isr', () => {
    it('fires when ISRs shrink below min.insync.replicas', () => {
      const below = withPartitions((partition) => {
        partition.isr = partition.replicas.slice(0, 1);
      });
      const finding = findingOf(evaluate({ facts: below }), 'partitions-under-min-isr');
      assert.equal(finding?.severity, 'critical');
      assert.equal(factValue(finding?.evidence, 'orders[0] in-sync replicas'), 1);
      assert.equal(factValue(finding?.evidence, 'orders min.insync.replicas'), 2);
    });

    it('needs the topic config, else falls back to the signal', () => {
      const unknownConfig = facts({ topics: [topic('orders', [[1, 2, 3]], { minInSyncReplicas: null })] });
      const partition = unknownConfig.topics[0]?.partitions[0];
      if (partition !== undefined) partition.isr = [1];
      assert.ok(!fired({ facts: unknownConfig }).includes('partitions-under-min-isr'));
      assert.ok(
        fired({ signals: { ...healthySignals, under_min_isr_partitions: 2 } }).includes('partitions-under-min-isr'),
      );
    });
  });

  describe('offline-partitions', () => {
    it('fires on partitions without a leader', () => {
      const offline = withPartitions((partition) => {
        if (partition.partition === 1) partition.leader = -1;
      });
      const finding = findingOf(evaluate({ facts: offline }), 'offline-partitions');
      assert.match(finding?.explanation ?? '', /1 partition\(s\) have no leader \(orders\[1\]\)/);
      assert.equal(factValue(finding?.evidence, 'orders[1] replicas'), '2,3,1');
    });

    it('falls back to the controller metric', () => {
      assert.ok(fired({ signals: { ...healthySignals, offline_partitions: 2 } }).includes('offline-partitions'));
    });
  });

  describe('controller-not-unique', () => {
    it('fires when the cluster reports no controller', () => {
      assert.ok(fired({ facts: facts({ controllerId: null }) }).includes('controller-not-unique'));
    });

    it('sees two active controllers only in the metrics', () => {
      const finding = findingOf(
        evaluate({ facts: facts(), signals: { ...healthySignals, active_controllers: 2 } }),
        'controller-not-unique',
      );
      assert.match(finding?.explanation ?? '', /2 nodes report being the active controller/);
    });

    it('trusts the facts over a zero from the metrics', () => {
      assert.ok(
        !fired({ facts: facts(), signals: { ...healthySignals, active_controllers: 0 } }).includes(
          'controller-not-unique',
        ),
      );
      assert.ok(fired({ signals: { ...healthySignals, active_controllers: 0 } }).includes('controller-not-unique'));
    });
  });

  describe('isr-shrinking', () => {
    it('counts shrinks over the window from the rate', () => {
      // 15 min window at 0.01/s: about 9 shrinks.
      const finding = findingOf(
        evaluate({ signals: { ...healthySignals, isr_shrinks_rate: { last: 0, mean: 0.01, max: 0.2 } } }),
        'isr-shrinking',
      );
      assert.match(finding?.explanation ?? '', /shrank about 9 time/);
    });

    it('falls back to the log lines', () => {
      const line = {
        timestamp: 't',
        level: 'info',
        message: '[Partition orders-0 broker=1] Shrinking ISR from 1,2,3 to 1,2.',
      };
      const finding = findingOf(
        evaluate({ logs: { notable: { 'isr-shrink': { count: 2, sample: [line] } } } }),
        'isr-shrinking',
      );
      assert.deepEqual(finding?.evidence, [{ kind: 'log', pattern: 'isr-shrink', lines: [line], count: 2 }]);
    });
  });

  describe('request-handler-saturation', () => {
    it('warns below 30 % idle and escalates below 10 %', () => {
      const busy = { ...healthySignals, request_handler_idle: { last: 0.2, mean: 0.2 } };
      const finding = findingOf(evaluate({ signals: busy }), 'request-handler-saturation');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /idle only 20 % of the time/);
      const saturated = { ...healthySignals, network_processor_idle: { last: 0.05, mean: 0.05 } };
      assert.equal(findingOf(evaluate({ signals: saturated }), 'request-handler-saturation')?.severity, 'critical');
    });
  });

  describe('offline-log-directory', () => {
    const line = { timestamp: 't', level: 'error', message: 'Stopping serving logs in dir /var/kafka/data' };

    it('is critical from the metric, warning from the logs alone', () => {
      assert.equal(
        findingOf(evaluate({ signals: { ...healthySignals, offline_log_directories: 1 } }), 'offline-log-directory')
          ?.severity,
        'critical',
      );
      const logs = { notable: { 'log-dir-failure': { count: 1, sample: [line] } } };
      assert.equal(findingOf(evaluate({ logs }), 'offline-log-directory')?.severity, 'warning');
    });

    it('trusts a metric at zero over old log lines', () => {
      const logs = { notable: { 'log-dir-failure': { count: 1, sample: [line] } } };
      assert.ok(!fired({ signals: healthySignals, logs }).includes('offline-log-directory'));
    });
  });

  describe('leader-imbalance', () => {
    it('fires when many partitions are led by a non-preferred replica', () => {
      const moved = withPartitions((partition) => {
        partition.leader = 1;
      });
      const finding = findingOf(evaluate({ facts: moved }), 'leader-imbalance');
      assert.match(finding?.explanation ?? '', /2 of 3 replicated partitions \(66.7 %\)/);
    });

    it('ignores single-replica topics and short imbalances in the metric', () => {
      const single = facts({ topics: [topic('logs', [[1], [2], [3]])] });
      assert.ok(!fired({ facts: single }).includes('leader-imbalance'));
      const transient = { ...healthySignals, preferred_replica_imbalance: { last: 5, min: 0, max: 5 } };
      assert.ok(!fired({ signals: transient }).includes('leader-imbalance'));
    });
  });

  it('broker-out-of-memory fires on OutOfMemoryError in the logs', () => {
    const line = { timestamp: 't', level: 'error', message: 'java.lang.OutOfMemoryError: Java heap space' };
    const finding = findingOf(
      evaluate({ logs: { notable: { 'out-of-memory': { count: 1, sample: [line] } } } }),
      'broker-out-of-memory',
    );
    assert.equal(finding?.severity, 'critical');
  });
});

describe('kafka log patterns', () => {
  const matches = (id: string, message: string) => matchesLogPattern(plugin, id, message);

  it('match real broker lines and not the JVM flags logged at startup', () => {
    assert.ok(
      matches(
        'isr-shrink',
        '[Partition orders-3 broker=1] Shrinking ISR from 1,2,3 to 1,3. Leader: (highWatermark: 42)',
      ),
    );
    assert.ok(matches('out-of-memory', 'java.lang.OutOfMemoryError: Direct buffer memory'));
    assert.ok(!matches('out-of-memory', '-XX:+ExitOnOutOfMemoryError'));
    assert.ok(
      matches(
        'group-rebalance',
        '[GroupCoordinator 1]: Preparing to rebalance group billing in state PreparingRebalance',
      ),
    );
  });
});

describe('kafka connector URL', () => {
  it('defaults to kafka:// on the instance address', () => {
    assert.equal(plugin.connector.defaultUrl('10.0.0.7:9092'), 'kafka://10.0.0.7:9092');
  });

  it('parses several brokers, TLS and SASL credentials', () => {
    assert.deepEqual(parseKafkaUrl('kafka://a:9092,b:9092'), { brokers: ['a:9092', 'b:9092'], ssl: false });
    assert.deepEqual(parseKafkaUrl('kafka+ssl://app:p%40ss@a:9093?mechanism=SCRAM-SHA-512'), {
      brokers: ['a:9093'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'p@ss' },
    });
  });

  it('refuses other schemes and unknown mechanisms', () => {
    assert.throws(() => parseKafkaUrl('http://a:9092'), /kafka:\/\/host:port/);
    assert.throws(() => parseKafkaUrl('kafka://u:p@a:9092?mechanism=gssapi'), /unsupported SASL mechanism "gssapi"/);
  });
});
