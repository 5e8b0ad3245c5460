/**
 * Elasticsearch diagnosis rules: pure functions of (signals, facts, logs). Facts from the REST API are
 * read first; exporter signals are the fallback, and the only source for rates (rejections, trips).
 */
import {
  type Evidence,
  factEvidence,
  formatBytes,
  formatPercent,
  levelAbove,
  notableLogRule,
  notableLogs,
  type Rule,
  round,
  signalEvidence,
  type Thresholds,
} from '@kubestack/plugin-sdk';
import {
  DEFAULT_MAX_SHARDS_PER_NODE,
  type EsNode,
  type Facts,
  requiredFreeBytes,
  type Watermark,
} from './connector.ts';

/** Old-generation heap share GC cannot reclaim (Elasticsearch's own memory-pressure guidance). */
export const MEMORY_PRESSURE: Thresholds = { warning: 0.75, critical: 0.85 };
/** Share of cluster.max_shards_per_node × data nodes in use; at 100 % new indices are refused. */
export const SHARD_LIMIT_USED: Thresholds = { warning: 0.8, critical: 0.95 };
/** Elasticsearch defaults, used only when the signals must stand in for the facts. */
const DEFAULT_HIGH_WATERMARK = 0.9;
const DEFAULT_FLOOD_STAGE = 0.95;

/** How many nodes, indices or shards an explanation names. */
const SHOWN = 3;

type EsRule = Rule<Facts>;

const clusterRed: EsRule = {
  id: 'cluster-red',
  title: 'Cluster is red: primary shards are unassigned',
  faultClass: 'data-unavailable',
  severity: 'critical',
  signals: ['cluster_status'],
  actions: ['retry-failed-allocations'],
  evaluate({ facts, signals }) {
    const consequence =
      'the affected indices are partly unreadable and refuse writes to the missing shards. Find why the ' +
      'primaries cannot be allocated (lost node, disk, corruption) and bring their data back.';
    if (facts !== undefined) {
      if (facts.status !== 'red') return null;
      return {
        explanation: `Cluster "${facts.clusterName}" is red with ${facts.unassignedPrimaryShards} unassigned primary shard(s): ${consequence}`,
        evidence: [
          factEvidence('cluster status', facts.status),
          factEvidence('unassigned primary shards', facts.unassignedPrimaryShards),
          factEvidence('data nodes', facts.numberOfDataNodes),
        ],
      };
    }
    const status = signals.cluster_status;
    if (status === undefined || status.last < 2) return null;
    return { explanation: `The cluster is red: ${consequence}`, evidence: [signalEvidence(status)] };
  },
};

const clusterYellow: EsRule = {
  id: 'cluster-yellow',
  title: 'Cluster is yellow: replica shards are unassigned',
  faultClass: 'replication',
  severity: 'warning',
  signals: ['cluster_status'],
  actions: ['set-replicas', 'retry-failed-allocations'],
  evaluate({ facts, signals }) {
    const consequence =
      'every index is served, but the affected ones have lost redundancy: one more node or disk failure ' +
      'loses data. See why the replicas cannot be allocated.';
    if (facts !== undefined) {
      if (facts.status !== 'yellow') return null;
      return {
        explanation: `Cluster "${facts.clusterName}" is yellow with ${facts.unassignedShards} unassigned replica shard(s): ${consequence}`,
        evidence: [
          factEvidence('cluster status', facts.status),
          factEvidence('unassigned shards', facts.unassignedShards),
          factEvidence('data nodes', facts.numberOfDataNodes),
        ],
      };
    }
    const status = signals.cluster_status;
    if (status === undefined || status.last !== 1) return null;
    return { explanation: `The cluster is yellow: ${consequence}`, evidence: [signalEvidence(status)] };
  },
};

const unassignedShards: EsRule = {
  id: 'unassigned-shards',
  title: 'Shards cannot be allocated',
  faultClass: 'data-unavailable',
  severity: 'warning',
  signals: ['unassigned_shards'],
  actions: ['set-replicas', 'retry-failed-allocations'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      if (facts.unassignedShards === 0) return null;
      const byIndex = countBy(facts.unassigned.map((shard) => shard.index));
      const explained = facts.allocationExplanation;
      const evidence: Evidence[] = [
        factEvidence('unassigned shards', facts.unassignedShards),
        factEvidence('unassigned primary shards', facts.unassignedPrimaryShards),
        ...byIndex.slice(0, SHOWN).map(([index, count]) => factEvidence(`unassigned shards of ${index}`, count)),
      ];
      let why = '';
      if (explained !== null) {
        evidence.push(
          factEvidence(`[${explained.index}][${explained.shard}] unassigned reason`, explained.reason),
          factEvidence(`[${explained.index}][${explained.shard}] refused by`, explained.decider),
          factEvidence(`[${explained.index}][${explained.shard}] explanation`, explained.explanation),
        );
        why =
          ` Shard [${explained.index}][${explained.shard}] (${explained.primary ? 'primary' : 'replica'}, ` +
          `unassigned because of ${explained.reason})` +
          (explained.decider === null
            ? `: ${explained.explanation}`
            : ` is refused by the ${explained.decider} decider: ${explained.explanation}`) +
          ` ${adviceFor(explained.decider, facts.numberOfDataNodes)}`;
      }
      const where = byIndex
        .slice(0, SHOWN)
        .map(([index, count]) => `${index} (${count})`)
        .join(', ');
      const more = byIndex.length > SHOWN ? ` and ${byIndex.length - SHOWN} more indices` : '';
      return {
        severity: facts.unassignedPrimaryShards > 0 ? 'critical' : 'warning',
        explanation:
          `${facts.unassignedShards} shard copies (${facts.unassignedPrimaryShards} primaries) are unassigned` +
          `${where === '' ? '' : `, in ${where}${more}`}.${why}`,
        evidence,
      };
    }
    const unassigned = signals.unassigned_shards;
    if (unassigned === undefined || unassigned.last <= 0) return null;
    return {
      explanation:
        `${unassigned.last} shard copies are unassigned. Ask GET _cluster/allocation/explain which decider ` +
        'refuses them (disk watermark, too few nodes for the replicas, failed allocations).',
      evidence: [signalEvidence(unassigned)],
    };
  },
};

const diskWatermark: EsRule = {
  id: 'disk-watermark',
  title: 'Data disk beyond a disk watermark',
  faultClass: 'disk-pressure',
  severity: 'warning',
  signals: ['disk_used_ratio'],
  actions: ['delete-indices', 'set-replicas'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      const { watermarks } = facts;
      // Most severe first. With the threshold decider off nothing is blocked or moved, but a full disk
      // still fails shards: then only the flood stage matters.
      const levels = [
        {
          name: 'flood stage',
          watermark: watermarks.floodStage,
          severity: 'critical' as const,
          effect: 'every index with a shard on it is made read-only (writes fail with 429).',
        },
        {
          name: 'high',
          watermark: watermarks.high,
          severity: 'warning' as const,
          effect: 'shards are being moved away from it.',
        },
        {
          name: 'low',
          watermark: watermarks.low,
          severity: 'info' as const,
          effect: 'no new replica shards are allocated to it.',
        },
      ]
        .slice(0, watermarks.enabled ? undefined : 1)
        .flatMap((level) => (level.watermark === null ? [] : [{ ...level, watermark: level.watermark }]));
      const breaches = facts.nodes
        .filter((node) => node.dataNode && node.diskTotalBytes > 0)
        .flatMap((node) => {
          const rank = levels.findIndex(({ watermark }) => beyond(node, watermark));
          return rank < 0 ? [] : [{ node, rank }];
        })
        .sort((a, b) => a.rank - b.rank || usedRatio(b.node) - usedRatio(a.node));
      const [worst] = breaches;
      const level = worst === undefined ? undefined : levels[worst.rank];
      if (worst === undefined || level === undefined) return null;
      const { node } = worst;
      return {
        severity: level.severity,
        explanation:
          `Node ${node.name} uses ${formatPercent(usedRatio(node))} of its data disk ` +
          `(${formatBytes(node.diskAvailableBytes)} available of ${formatBytes(node.diskTotalBytes)}), beyond the ` +
          `${level.name} watermark (${level.watermark.text}): ` +
          (watermarks.enabled
            ? level.effect
            : 'the disk threshold decider is disabled, so Elasticsearch will not protect itself before the disk ' +
              'is full and shards fail.') +
          ' Free space: delete or shrink old indices, lower replicas of cold data, or add disk or nodes.',
        evidence: [
          factEvidence(`${level.name} watermark`, level.watermark.text),
          ...breaches
            .slice(0, SHOWN)
            .flatMap(({ node: each }) => [
              factEvidence(`${each.name} disk used ratio`, round(usedRatio(each), 3)),
              factEvidence(`${each.name} disk available bytes`, each.diskAvailableBytes),
              factEvidence(`${each.name} disk total bytes`, each.diskTotalBytes),
            ]),
        ],
      };
    }
    const used = signals.disk_used_ratio;
    if (used === undefined || used.last < DEFAULT_HIGH_WATERMARK) return null;
    const flood = used.last >= DEFAULT_FLOOD_STAGE;
    return {
      severity: flood ? 'critical' : 'warning',
      explanation:
        `The data disk is ${formatPercent(used.last)} used, beyond the default ${flood ? 'flood stage (95 %): indices become read-only' : 'high watermark (90 %): shards move away'}. ` +
        'Free space or add capacity.',
      evidence: [signalEvidence(used)],
    };
  },
};

const readOnlyIndices: EsRule = {
  id: 'read-only-indices',
  title: 'Indices are blocked read-only (read_only_allow_delete)',
  faultClass: 'disk-pressure',
  severity: 'critical',
  signals: [],
  actions: ['remove-read-only-block', 'delete-indices'],
  evaluate({ facts }) {
    if (facts === undefined || facts.readOnlyIndices.length === 0) return null;
    const blocked = facts.readOnlyIndices;
    const flood = facts.watermarks.floodStage;
    const stillFull =
      facts.watermarks.enabled && flood !== null && facts.nodes.some((node) => node.dataNode && beyond(node, flood));
    return {
      explanation:
        `${blocked.length} index(es) carry index.blocks.read_only_allow_delete (${blocked.slice(0, SHOWN).join(', ')}` +
        `${blocked.length > SHOWN ? ` and ${blocked.length - SHOWN} more` : ''}): every write to them fails with ` +
        '429 cluster_block_exception. ' +
        (stillFull
          ? 'A data node is still beyond the flood stage watermark: free disk first, or the block comes back.'
          : 'No data node is beyond the flood stage any more: the block is stale (set by hand or by an old ' +
            'flood stage) and can be removed.'),
      evidence: [
        factEvidence('read-only indices', blocked.length),
        ...blocked.slice(0, SHOWN).map((index) => factEvidence(`${index} index.blocks.read_only_allow_delete`, true)),
      ],
    };
  },
};

const heapPressure: EsRule = {
  id: 'heap-pressure',
  title: 'JVM heap pressure',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['heap_used', 'gc_time_ratio'],
  actions: ['clear-cache'],
  evaluate({ facts, signals }) {
    const advice =
      'GC cannot reclaim it; circuit breakers start refusing requests and long GC pauses follow. Look for ' +
      'heavy aggregations, fielddata on text fields, too many shards, or give the node more heap (≤ 50 % of RAM, < 32 GB).';
    if (facts !== undefined) {
      const pressured = facts.nodes
        .flatMap((node) =>
          node.memoryPressure !== null && node.memoryPressure >= MEMORY_PRESSURE.warning
            ? [{ node, pressure: node.memoryPressure }]
            : [],
        )
        .sort((a, b) => b.pressure - a.pressure);
      const [worst] = pressured;
      if (worst === undefined) return null;
      return {
        severity: worst.pressure >= MEMORY_PRESSURE.critical ? 'critical' : 'warning',
        explanation: `Node ${worst.node.name} has ${formatPercent(worst.pressure)} of its heap in the old generation (heap ${formatPercent(worst.node.heapUsedRatio)} used): ${advice}`,
        evidence: pressured
          .slice(0, SHOWN)
          .flatMap(({ node, pressure }) => [
            factEvidence(`${node.name} memory pressure (old gen used / max)`, round(pressure, 3)),
            factEvidence(`${node.name} heap used ratio`, node.heapUsedRatio),
          ]),
      };
    }
    const heap = signals.heap_used;
    if (heap === undefined || heap.limit === undefined) return null;
    // The lowest point of the window: right after collections, i.e. what GC could not free.
    const floor = heap.min / heap.limit;
    const severity = levelAbove(floor, MEMORY_PRESSURE);
    if (severity === null) return null;
    const evidence = [signalEvidence(heap)];
    if (signals.gc_time_ratio !== undefined) evidence.push(signalEvidence(signals.gc_time_ratio));
    return {
      severity,
      explanation: `Heap never fell below ${formatPercent(floor)} of its ${formatBytes(heap.limit)} maximum in the window: ${advice}`,
      evidence,
    };
  },
};

const threadPoolRejections: EsRule = {
  id: 'thread-pool-rejections',
  title: 'Requests are rejected by full thread pools',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['write_rejections_rate', 'search_rejections_rate'],
  actions: [],
  evaluate({ facts, signals }) {
    const { write_rejections_rate: write, search_rejections_rate: search } = signals;
    const sinceStart = facts === undefined ? [] : rejectionTotals(facts.nodes);
    const totalsEvidence = sinceStart.map(([pool, count]) =>
      factEvidence(`${pool} rejections since node start`, count),
    );
    if (write !== undefined || search !== undefined) {
      const rejecting = [
        {
          pool: 'write',
          signal: write,
          effect: 'bulk and index requests fail with 429 and are lost unless clients retry',
        },
        { pool: 'search', signal: search, effect: 'searches fail with 429' },
      ].flatMap(({ pool, signal, effect }) =>
        signal !== undefined && signal.max > 0 ? [{ pool, signal, effect }] : [],
      );
      if (rejecting.length === 0) return null;
      return {
        severity: rejecting.some(({ pool }) => pool === 'write') ? 'critical' : 'warning',
        explanation:
          rejecting
            .map(
              ({ pool, signal, effect }) =>
                `The ${pool} thread pool rejected up to ${round(signal.max, 3)} requests/s (${round(signal.mean, 3)}/s on average): ${effect}`,
            )
            .join('. ') +
          '. The node cannot keep up: spread load over more shards and nodes, use fewer and larger bulk requests, and make clients back off on 429.',
        evidence: [...rejecting.map(({ signal }) => signalEvidence(signal)), ...totalsEvidence],
      };
    }
    // Counts since node start cannot say whether rejections are happening now: only a hint.
    if (sinceStart.length === 0) return null;
    return {
      severity: 'info',
      explanation: `Thread pools have rejected requests since their node started (${sinceStart.map(([pool, count]) => `${pool}: ${count}`).join(', ')}); without metrics the current rate is unknown.`,
      evidence: totalsEvidence,
    };
  },
};

const tooManyShards: EsRule = {
  id: 'too-many-shards',
  title: 'Shard count near cluster.max_shards_per_node',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['shards_per_data_node'],
  actions: ['delete-indices', 'set-replicas'],
  evaluate({ facts, signals }) {
    const consequence =
      'at the limit, creating an index (including daily rollovers) fails. Every shard also costs heap ' +
      'and master work: shrink or merge small indices, use ILM rollover by size, delete old ones.';
    if (facts !== undefined) {
      const open = facts.activeShards + facts.unassignedShards;
      const limit = facts.maxShardsPerNode * Math.max(1, facts.numberOfDataNodes);
      const ratio = open / limit;
      const severity = levelAbove(ratio, SHARD_LIMIT_USED);
      if (severity === null) return null;
      return {
        severity,
        explanation:
          `${open} shards are open against a limit of ${limit} (${facts.maxShardsPerNode} per node × ` +
          `${facts.numberOfDataNodes} data nodes, ${formatPercent(ratio)}): ${consequence}`,
        evidence: [
          factEvidence('open shards', open),
          factEvidence('cluster.max_shards_per_node', facts.maxShardsPerNode),
          factEvidence('data nodes', facts.numberOfDataNodes),
        ],
      };
    }
    const perNode = signals.shards_per_data_node;
    const severity =
      perNode === undefined ? null : levelAbove(perNode.last / DEFAULT_MAX_SHARDS_PER_NODE, SHARD_LIMIT_USED);
    if (perNode === undefined || severity === null) return null;
    return {
      severity,
      explanation: `${round(perNode.last, 3)} active shards per data node, against the default limit of ${DEFAULT_MAX_SHARDS_PER_NODE}: ${consequence}`,
      evidence: [signalEvidence(perNode)],
    };
  },
};

const circuitBreakerTrips: EsRule = {
  id: 'circuit-breaker-trips',
  title: 'Memory circuit breakers refuse requests',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['breaker_trips_rate'],
  actions: ['clear-cache'],
  evaluate({ facts, signals, logs }) {
    const trips = signals.breaker_trips_rate;
    const logged = notableLogs(logs, 'circuit-breaking');
    const tripping = trips !== undefined && trips.max > 0;
    // The log is the fallback only when the metric is missing: a metric at 0 outranks old log lines.
    const fromLogs = trips === undefined && logged !== null;
    if (!tripping && !fromLogs) return null;
    const evidence: Evidence[] = [];
    if (trips !== undefined) evidence.push(signalEvidence(trips));
    if (logged !== null) evidence.push(logged.evidence);
    for (const node of facts?.nodes ?? []) {
      for (const [breaker, count] of Object.entries(node.breakerTripsSinceStart)) {
        evidence.push(factEvidence(`${node.name} ${breaker} breaker trips since start`, count));
      }
    }
    return {
      explanation:
        (tripping
          ? `Circuit breakers tripped up to ${round(trips.max, 3)} times/s in the window`
          : `${logged?.count} CircuitBreakingException(s) were logged in the window`) +
        ': requests asking for more memory than the breakers allow fail with 429. The message names the ' +
        'breaker: parent means the whole heap is full, fielddata means aggregations on text fields, request ' +
        'means oversized aggregations or bulk requests.',
      evidence,
    };
  },
};

const masterNotDiscovered: EsRule = notableLogRule({
  id: 'master-not-discovered',
  title: 'Nodes cannot find or elect a master',
  faultClass: 'availability',
  severity: 'critical',
  pattern: 'master-not-discovered',
  actions: [],
  explain: (count) =>
    `${count} "master not discovered" message(s) were logged: without an elected master the cluster ` +
    'cannot create indices, update mappings or allocate shards, and writes soon fail. The message lists ' +
    'the nodes discovered and the quorum needed: restore enough master-eligible nodes or fix discovery ' +
    '(discovery.seed_hosts, transport port reachability).',
});

export const rules: EsRule[] = [
  clusterRed,
  clusterYellow,
  unassignedShards,
  diskWatermark,
  readOnlyIndices,
  heapPressure,
  threadPoolRejections,
  tooManyShards,
  circuitBreakerTrips,
  masterNotDiscovered,
];

function usedRatio(node: EsNode): number {
  return 1 - node.diskAvailableBytes / node.diskTotalBytes;
}

function beyond(node: EsNode, watermark: Watermark): boolean {
  return node.diskTotalBytes > 0 && node.diskAvailableBytes < requiredFreeBytes(watermark, node.diskTotalBytes);
}

function adviceFor(decider: string | null, dataNodes: number): string {
  switch (decider) {
    case 'same_shard':
      return `With ${dataNodes} data node(s) a replica can never sit beside its primary: lower number_of_replicas to ${Math.max(0, dataNodes - 1)} or add nodes.`;
    case 'disk_threshold':
      return 'Free disk on the data nodes; allocation resumes by itself.';
    case 'max_retry':
      return 'Fix the cause of the failed attempts, then retry failed allocations.';
    case 'filter':
    case 'awareness':
      return 'Check the index and cluster allocation filters and awareness attributes.';
    default:
      return 'Fix what the decider reports, then retry failed allocations.';
  }
}

function countBy(values: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function rejectionTotals(nodes: EsNode[]): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const node of nodes) {
    for (const [pool, count] of Object.entries(node.rejectedSinceStart))
      totals.set(pool, (totals.get(pool) ?? 0) + count);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
