import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRules } from '@kubestack/plugin-sdk';
import { contextFor, factValue, findingOf, firedRules, matchesLogPattern } from '@kubestack/plugin-sdk/testkit';
import { type EsNode, parseWatermark, requiredFreeBytes } from '../../src/connector.ts';
import plugin, { type Facts } from '../../src/index.ts';

const GiB = 2 ** 30;

function node(overrides: Partial<EsNode> = {}): EsNode {
  return {
    name: 'es-0',
    dataNode: true,
    diskTotalBytes: 1_000 * GiB,
    diskAvailableBytes: 600 * GiB,
    heapUsedRatio: 0.5,
    memoryPressure: 0.3,
    shards: 120,
    rejectedSinceStart: {},
    breakerTripsSinceStart: {},
    ...overrides,
  };
}

function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    clusterName: 'logs',
    status: 'green',
    numberOfNodes: 3,
    numberOfDataNodes: 3,
    activeShards: 360,
    activePrimaryShards: 180,
    unassignedShards: 0,
    unassignedPrimaryShards: 0,
    initializingShards: 0,
    relocatingShards: 0,
    nodes: [node(), node({ name: 'es-1' }), node({ name: 'es-2' })],
    watermarks: {
      enabled: true,
      low: parseWatermark('85%', '200gb'),
      high: parseWatermark('90%', '150gb'),
      floodStage: parseWatermark('95%', '100gb'),
    },
    maxShardsPerNode: 1000,
    readOnlyIndices: [],
    unassigned: [],
    allocationExplanation: null,
    ...overrides,
  };
}

const healthySignals = {
  cluster_status: 0,
  unassigned_shards: 0,
  heap_used: { last: 4 * GiB, min: 2 * GiB, limit: 8 * GiB },
  gc_time_ratio: 0.01,
  disk_used_ratio: 0.4,
  write_rejections_rate: 0,
  search_rejections_rate: 0,
  breaker_trips_rate: 0,
  shards_per_data_node: 120,
};

type Input = Parameters<typeof contextFor<Facts>>[1];
const evaluate = (input: Input) => runRules(plugin, contextFor(plugin, input));
const fired = (input: Input) => firedRules(plugin, contextFor(plugin, input));

/** A single-node cluster where one index asks for a replica it can never get. */
const replicaOnSingleNode = facts({
  status: 'yellow',
  numberOfNodes: 1,
  numberOfDataNodes: 1,
  activeShards: 1,
  unassignedShards: 1,
  nodes: [node()],
  unassigned: [{ index: 'orders', shard: 0, primary: false, reason: 'INDEX_CREATED' }],
  allocationExplanation: {
    index: 'orders',
    shard: 0,
    primary: false,
    reason: 'INDEX_CREATED',
    decider: 'same_shard',
    explanation: 'a copy of this shard is already allocated to this node',
  },
});

describe('elasticsearch rules', () => {
  it('stay silent on a healthy cluster, from facts and from signals', () => {
    assert.deepEqual(fired({ facts: facts(), signals: healthySignals }), []);
    assert.deepEqual(fired({ signals: healthySignals }), []);
  });

  it('conclude nothing without data', () => {
    assert.deepEqual(fired({ logs: { available: false } }), []);
  });

  describe('cluster-red / cluster-yellow', () => {
    it('fire on the health status with its numbers', () => {
      const red = findingOf(
        evaluate({ facts: facts({ status: 'red', unassignedShards: 4, unassignedPrimaryShards: 2 }) }),
        'cluster-red',
      );
      assert.equal(factValue(red?.evidence, 'unassigned primary shards'), 2);
      const yellow = findingOf(evaluate({ facts: replicaOnSingleNode }), 'cluster-yellow');
      assert.match(yellow?.explanation ?? '', /yellow with 1 unassigned replica shard/);
    });

    it('fall back to the status signal (1 yellow, 2 red)', () => {
      assert.deepEqual(
        fired({ signals: { ...healthySignals, cluster_status: 2 } }).filter((rule) => rule.startsWith('cluster-')),
        ['cluster-red'],
      );
      assert.ok(fired({ signals: { ...healthySignals, cluster_status: 1 } }).includes('cluster-yellow'));
    });
  });

  describe('unassigned-shards', () => {
    it('explains why, with the decider and what to do on a single node', () => {
      const finding = findingOf(evaluate({ facts: replicaOnSingleNode }), 'unassigned-shards');
      assert.equal(finding?.severity, 'warning');
      assert.match(
        finding?.explanation ?? '',
        /refused by the same_shard decider: a copy of this shard is already allocated/,
      );
      assert.match(finding?.explanation ?? '', /lower number_of_replicas to 0/);
      assert.equal(factValue(finding?.evidence, 'unassigned shards of orders'), 1);
      assert.equal(factValue(finding?.evidence, '[orders][0] refused by'), 'same_shard');
    });

    it('is critical when primaries are unassigned', () => {
      const primaries = { ...replicaOnSingleNode, status: 'red' as const, unassignedPrimaryShards: 1 };
      assert.equal(findingOf(evaluate({ facts: primaries }), 'unassigned-shards')?.severity, 'critical');
    });

    it('falls back to the signal', () => {
      assert.ok(fired({ signals: { ...healthySignals, unassigned_shards: 3 } }).includes('unassigned-shards'));
    });
  });

  describe('disk-watermark', () => {
    it('grades the low, high and flood stage watermarks', () => {
      const at = (availableGiB: number) =>
        findingOf(
          evaluate({ facts: facts({ nodes: [node({ diskAvailableBytes: availableGiB * GiB })] }) }),
          'disk-watermark',
        );
      assert.equal(at(140)?.severity, 'info');
      assert.equal(at(90)?.severity, 'warning');
      const flood = at(40);
      assert.equal(flood?.severity, 'critical');
      assert.match(flood?.explanation ?? '', /uses 96 % of its data disk .* beyond the flood stage watermark \(95%\)/);
      assert.equal(factValue(flood?.evidence, 'es-0 disk available bytes'), 40 * GiB);
    });

    it('applies the max headroom on large disks', () => {
      // 10 TiB at 92 % used still has 800 GiB free: above the 150 GiB high-watermark headroom.
      const large = node({ diskTotalBytes: 10_240 * GiB, diskAvailableBytes: 800 * GiB });
      assert.ok(!fired({ facts: facts({ nodes: [large] }) }).includes('disk-watermark'));
    });

    it('only warns of a full disk when the threshold decider is disabled', () => {
      const disabled = (availableGiB: number) =>
        facts({
          nodes: [node({ diskAvailableBytes: availableGiB * GiB })],
          watermarks: { ...facts().watermarks, enabled: false },
        });
      assert.ok(!fired({ facts: disabled(90) }).includes('disk-watermark'));
      assert.match(
        findingOf(evaluate({ facts: disabled(30) }), 'disk-watermark')?.explanation ?? '',
        /threshold decider is disabled/,
      );
    });

    it('falls back to the default watermarks on the signal', () => {
      assert.equal(
        findingOf(evaluate({ signals: { ...healthySignals, disk_used_ratio: 0.97 } }), 'disk-watermark')?.severity,
        'critical',
      );
    });
  });

  describe('read-only-indices', () => {
    it('names blocked indices and says the block is stale when disk is fine', () => {
      const finding = findingOf(
        evaluate({ facts: facts({ readOnlyIndices: ['logs-1', 'logs-2'] }) }),
        'read-only-indices',
      );
      assert.equal(finding?.severity, 'critical');
      assert.match(finding?.explanation ?? '', /2 index\(es\) .*\(logs-1, logs-2\).*the block is stale/);
      assert.equal(factValue(finding?.evidence, 'read-only indices'), 2);
    });

    it('says to free disk first while a node is beyond the flood stage', () => {
      const full = facts({ readOnlyIndices: ['logs-1'], nodes: [node({ diskAvailableBytes: 30 * GiB })] });
      assert.match(findingOf(evaluate({ facts: full }), 'read-only-indices')?.explanation ?? '', /free disk first/);
    });
  });

  describe('heap-pressure', () => {
    it('grades old-generation pressure per node', () => {
      const finding = findingOf(
        evaluate({ facts: facts({ nodes: [node({ memoryPressure: 0.8 })] }) }),
        'heap-pressure',
      );
      assert.equal(finding?.severity, 'warning');
      assert.equal(factValue(finding?.evidence, 'es-0 memory pressure (old gen used / max)'), 0.8);
      const critical = facts({ nodes: [node({ memoryPressure: 0.9 })] });
      assert.equal(findingOf(evaluate({ facts: critical }), 'heap-pressure')?.severity, 'critical');
    });

    it('falls back to the low point of the heap signal', () => {
      const pressured = { ...healthySignals, heap_used: { last: 7.5 * GiB, min: 7 * GiB, limit: 8 * GiB } };
      assert.equal(findingOf(evaluate({ signals: pressured }), 'heap-pressure')?.severity, 'critical');
      const sawtooth = { ...healthySignals, heap_used: { last: 7.5 * GiB, min: 3 * GiB, limit: 8 * GiB } };
      assert.ok(!fired({ signals: sawtooth }).includes('heap-pressure'));
    });
  });

  describe('thread-pool-rejections', () => {
    it('is critical on write rejections, a warning on search ones', () => {
      const write = { ...healthySignals, write_rejections_rate: { last: 2, mean: 1.5, max: 4 } };
      const finding = findingOf(evaluate({ signals: write }), 'thread-pool-rejections');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding?.explanation ?? '', /write thread pool rejected up to 4 requests\/s/);
      const search = { ...healthySignals, search_rejections_rate: { last: 1, mean: 1, max: 1 } };
      assert.equal(findingOf(evaluate({ signals: search }), 'thread-pool-rejections')?.severity, 'warning');
    });

    it('treats counts since node start as a hint only', () => {
      const old = facts({ nodes: [node({ rejectedSinceStart: { write: 12 } })] });
      assert.equal(findingOf(evaluate({ facts: old }), 'thread-pool-rejections')?.severity, 'info');
      assert.ok(!fired({ facts: old, signals: healthySignals }).includes('thread-pool-rejections'));
    });
  });

  describe('too-many-shards', () => {
    it('compares open shards with max_shards_per_node × data nodes', () => {
      const finding = findingOf(evaluate({ facts: facts({ activeShards: 2_500 }) }), 'too-many-shards');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /2500 shards are open against a limit of 3000/);
      assert.equal(
        findingOf(evaluate({ facts: facts({ activeShards: 2_900 }) }), 'too-many-shards')?.severity,
        'critical',
      );
    });

    it('falls back to shards per node against the default limit', () => {
      assert.ok(fired({ signals: { ...healthySignals, shards_per_data_node: 850 } }).includes('too-many-shards'));
    });
  });

  describe('circuit-breaker-trips', () => {
    const line = { timestamp: 't', level: 'warn', message: 'CircuitBreakingException: [parent] Data too large' };

    it('fires on trips in the window, with log lines and counts as evidence', () => {
      const signals = { ...healthySignals, breaker_trips_rate: { last: 0, mean: 0.1, max: 0.5 } };
      const logs = { notable: { 'circuit-breaking': { count: 7, sample: [line] } } };
      const withCounts = facts({ nodes: [node({ breakerTripsSinceStart: { parent: 30 } })] });
      const finding = findingOf(evaluate({ signals, logs, facts: withCounts }), 'circuit-breaker-trips');
      assert.equal(factValue(finding?.evidence, 'es-0 parent breaker trips since start'), 30);
      assert.ok(finding?.evidence.some((item) => item.kind === 'log' && item.count === 7));
    });

    it('uses the logs only when the metric is missing', () => {
      const logs = { notable: { 'circuit-breaking': { count: 2, sample: [line] } } };
      assert.ok(fired({ logs }).includes('circuit-breaker-trips'));
      assert.ok(!fired({ logs, signals: healthySignals }).includes('circuit-breaker-trips'));
    });
  });

  it('master-not-discovered fires on the log message', () => {
    const line = {
      timestamp: 't',
      level: 'warn',
      message: 'master not discovered yet, this node has not previously joined',
    };
    const finding = findingOf(
      evaluate({ logs: { notable: { 'master-not-discovered': { count: 4, sample: [line] } } } }),
      'master-not-discovered',
    );
    assert.equal(finding?.severity, 'critical');
  });
});

describe('elasticsearch log patterns', () => {
  const matches = (id: string, message: string) => matchesLogPattern(plugin, id, message);

  it('match real Elasticsearch lines and not the JVM flags logged at startup', () => {
    assert.ok(
      matches('out-of-memory', 'fatal error in thread [write], exiting java.lang.OutOfMemoryError: Java heap space'),
    );
    assert.ok(
      !matches('out-of-memory', 'JVM arguments [-XX:+HeapDumpOnOutOfMemoryError, -XX:+ExitOnOutOfMemoryError]'),
    );
    assert.ok(
      matches('health-degraded', 'message="Cluster health status changed from [GREEN] to [YELLOW] (reason: ...)"'),
    );
    assert.ok(
      !matches('health-degraded', 'message="Cluster health status changed from [YELLOW] to [GREEN] (reason: ...)"'),
    );
    assert.ok(
      matches('flood-stage-watermark', 'flood stage disk watermark [95%] exceeded on [node][/data] free: 1gb[2%]'),
    );
  });
});

describe('elasticsearch watermarks', () => {
  it('parses percentages, ratios and absolute free space', () => {
    assert.deepEqual(parseWatermark('90%', '-1'), {
      kind: 'ratio',
      usedRatio: 0.9,
      maxHeadroomBytes: null,
      text: '90%',
    });
    assert.equal(parseWatermark('0.85', undefined)?.kind, 'ratio');
    assert.deepEqual(parseWatermark('500mb', undefined), { kind: 'free', freeBytes: 500 * 2 ** 20, text: '500mb' });
    assert.equal(parseWatermark('lots', undefined), null);
  });

  it('caps the free space a percentage asks for by the max headroom', () => {
    const high = parseWatermark('90%', '150GB');
    assert.ok(high !== null);
    assert.equal(requiredFreeBytes(high, 100 * GiB), 10 * GiB);
    assert.equal(requiredFreeBytes(high, 10_240 * GiB), 150 * GiB);
  });
});
