/**
 * Diagnosis rules for Redis: pure functions of (signals, facts, logs). Each reads the connector's facts
 * first and falls back to Prometheus signals; with neither, it stays silent.
 */
import {
  type Evidence,
  factEvidence,
  formatBytes,
  formatDuration,
  formatPercent,
  formatValue,
  largestBy,
  notableLogEvidence,
  notableLogs,
  type Rule,
  type RuleContext,
  signalEvidence,
} from '@kubestack/plugin-sdk';
import type { Facts } from './connector.ts';

type Context = RuleContext<Facts>;

/** Share of maxmemory from which writes are about to fail under noeviction. */
const MEMORY_WARNING_SHARE = 0.85;
const MEMORY_CRITICAL_SHARE = 0.95;
/** Below this much data, allocator overhead alone moves the fragmentation ratio: not worth a finding. */
const FRAGMENTATION_MIN_USED_BYTES = 100 * 1024 ** 2;
const FRAGMENTATION_HIGH = 1.5;
/** RSS this far below used memory means pages are swapped out, not measurement noise. */
const FRAGMENTATION_SWAPPING = 0.9;
/** A BGSAVE fork can need up to twice the dataset through copy-on-write. */
const UNLIMITED_MEMORY_WARNING_SHARE = 0.5;
const CLIENTS_WARNING_SHARE = 0.8;
const CLIENTS_CRITICAL_SHARE = 0.95;
/** A rise in blocked clients this large (and at least doubling) over the window is not consumers idling. */
const BLOCKED_CLIENTS_GROWTH = 10;
/** Redis' own default for slowlog-log-slower-than: a command this long stalls every other client. */
const SLOW_COMMAND_MICROS = 10_000;
/** Clients commonly time out around a second; a command this long makes all of them fail. */
const VERY_SLOW_COMMAND_MICROS = 1_000_000;
/** Slow-log growth over the window that shows a pattern rather than a one-off. */
const SLOWLOG_GROWTH = 10;
const HIT_RATIO_DROP = 0.3;
const HIT_RATIO_LOW = 0.6;
/** Below this many misses per second a cache's backing store does not notice. */
const MISSES_PER_SECOND_MIN = 50;

interface MemoryUsage {
  used: number;
  limit: number;
  share: number;
  /** Unknown when only Prometheus answered: there the policy is a label of redis_instance_info, not a value. */
  policy: string | undefined;
  evidence: Evidence[];
}

/** Used memory against a set maxmemory: facts first, then the signal and its limit. */
function memoryUsage(ctx: Context): MemoryUsage | undefined {
  const memory = ctx.facts?.memory;
  if (memory?.maxmemoryBytes !== undefined) {
    if (memory.maxmemoryBytes <= 0) return undefined;
    return {
      used: memory.usedBytes,
      limit: memory.maxmemoryBytes,
      share: memory.usedBytes / memory.maxmemoryBytes,
      policy: memory.maxmemoryPolicy,
      evidence: [
        factEvidence('used_memory', memory.usedBytes),
        factEvidence('maxmemory', memory.maxmemoryBytes),
        factEvidence('maxmemory_policy', memory.maxmemoryPolicy ?? null),
      ],
    };
  }
  const signal = ctx.signals.used_memory;
  if (signal?.limit === undefined) return undefined;
  return {
    used: signal.last,
    limit: signal.limit,
    share: signal.last / signal.limit,
    policy: undefined,
    evidence: [signalEvidence(signal)],
  };
}

function describeUsage(usage: MemoryUsage): string {
  return `${formatBytes(usage.used)} of maxmemory ${formatBytes(usage.limit)} (${formatPercent(usage.share)})`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const memoryNearLimitNoeviction: Rule<Facts> = {
  id: 'memory-near-limit-noeviction',
  title: 'Memory near maxmemory with noeviction: writes will fail',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['used_memory', 'evicted_keys_rate'],
  actions: ['raise-maxmemory', 'set-maxmemory-policy'],
  evaluate(ctx) {
    const usage = memoryUsage(ctx);
    if (usage === undefined || usage.share < MEMORY_WARNING_SHARE) return null;
    if (usage.policy !== undefined && usage.policy !== 'noeviction') return null;
    const evictions = ctx.signals.evicted_keys_rate;
    // Without the policy, only a window without evictions rules out an evicting one (the other rule's case).
    if (usage.policy === undefined && (evictions === undefined || evictions.max > 0)) return null;
    const policy =
      usage.policy === undefined
        ? 'no key evicted in the window (the eviction policy could not be read)'
        : 'maxmemory-policy noeviction';
    return {
      severity: usage.share >= MEMORY_CRITICAL_SHARE ? 'critical' : 'warning',
      explanation:
        `${ctx.instance.name} uses ${describeUsage(usage)} with ${policy}: at the limit every write fails with ` +
        '"OOM command not allowed". Delete or expire keys, raise maxmemory, or switch to an evicting policy if the ' +
        'data is a cache that can be rebuilt.',
      evidence: [
        ...usage.evidence,
        ...(usage.policy === undefined && evictions !== undefined ? [signalEvidence(evictions)] : []),
        ...notableLogEvidence(ctx.logs, 'oom-command-not-allowed'),
      ],
    };
  },
};

const evictingKeys: Rule<Facts> = {
  id: 'evicting-keys',
  title: 'Keys are being evicted at maxmemory',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['used_memory', 'evicted_keys_rate'],
  actions: ['raise-maxmemory'],
  evaluate(ctx) {
    const usage = memoryUsage(ctx);
    const where = ctx.instance.name;
    const consequence =
      ': entries are dropped before their TTL, so misses and the load on the backing store rise. Raise maxmemory ' +
      'if the working set should fit; otherwise shorten TTLs or shrink values.';
    const rate = ctx.signals.evicted_keys_rate;
    if (rate !== undefined) {
      if (rate.max <= 0) return null;
      const state = usage === undefined ? '' : ` at ${describeUsage(usage)}, policy ${usage.policy ?? 'unknown'}`;
      return {
        explanation:
          `${where} evicted up to ${formatValue(rate.max, 'per_second')} keys in the window ` +
          `(${formatValue(rate.last, 'per_second')} now)${state}${consequence}`,
        evidence: [signalEvidence(rate), ...(usage?.evidence ?? [])],
      };
    }
    // Without the rate, the since-start counter only counts when the server sits at its limit now.
    const facts = ctx.facts;
    if (facts === undefined || usage?.policy === undefined || usage.policy === 'noeviction') return null;
    const evicted = facts.memory.evictedKeys;
    if (usage.share < MEMORY_CRITICAL_SHARE || evicted === 0) return null;
    return {
      explanation:
        `${where} is at ${describeUsage(usage)} under ${usage.policy} and has evicted ${evicted} keys since it ` +
        `started ${formatDuration(facts.server.uptimeSeconds)} ago${consequence}`,
      evidence: [...usage.evidence, factEvidence('evicted_keys', evicted)],
    };
  },
};

const maxmemoryUnset: Rule<Facts> = {
  id: 'maxmemory-unset',
  title: 'No maxmemory: Redis can grow until the host runs out',
  faultClass: 'configuration',
  severity: 'info',
  // The used_memory limit is absent both when maxmemory is 0 and when it is unknown: facts only.
  signals: [],
  actions: [],
  evaluate(ctx) {
    const memory = ctx.facts?.memory;
    if (memory?.maxmemoryBytes !== 0 || !memory.systemMemoryBytes) return null;
    const share = memory.usedBytes / memory.systemMemoryBytes;
    return {
      severity: share >= UNLIMITED_MEMORY_WARNING_SHARE ? 'warning' : 'info',
      explanation:
        `${ctx.instance.name} has no maxmemory and uses ${formatBytes(memory.usedBytes)} of ` +
        `${formatBytes(memory.systemMemoryBytes)} host memory (${formatPercent(share)}): it grows until the kernel's ` +
        'OOM killer ends it, and a BGSAVE fork can need up to twice the dataset. Set maxmemory to 60–75 % of the ' +
        'memory Redis may use (in a container, of its limit: total_system_memory shows the host).',
      evidence: [
        factEvidence('maxmemory', 0),
        factEvidence('used_memory', memory.usedBytes),
        factEvidence('total_system_memory', memory.systemMemoryBytes),
      ],
    };
  },
};

const memoryFragmentation: Rule<Facts> = {
  id: 'memory-fragmentation',
  title: 'Memory fragmentation or swapping',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['memory_fragmentation_ratio', 'used_memory'],
  actions: [],
  evaluate(ctx) {
    const memory = ctx.facts?.memory;
    const ratioSignal = ctx.signals.memory_fragmentation_ratio;
    const usedSignal = ctx.signals.used_memory;
    let observed: { ratio: number; used: number; rss: number; evidence: Evidence[] };
    if (memory?.fragmentationRatio !== undefined) {
      observed = {
        ratio: memory.fragmentationRatio,
        used: memory.usedBytes,
        rss: memory.rssBytes,
        evidence: [
          factEvidence('mem_fragmentation_ratio', memory.fragmentationRatio),
          factEvidence('used_memory', memory.usedBytes),
          factEvidence('used_memory_rss', memory.rssBytes),
        ],
      };
    } else if (ratioSignal !== undefined && usedSignal !== undefined) {
      observed = {
        ratio: ratioSignal.last,
        used: usedSignal.last,
        rss: usedSignal.last * ratioSignal.last,
        evidence: [signalEvidence(ratioSignal), signalEvidence(usedSignal)],
      };
    } else {
      return null;
    }
    const { ratio, used, rss, evidence } = observed;
    if (used < FRAGMENTATION_MIN_USED_BYTES) return null;
    const where = `${ctx.instance.name} holds ${formatBytes(used)} of data in ${formatBytes(rss)} of RAM`;
    if (ratio > FRAGMENTATION_HIGH) {
      return {
        explanation:
          `${where} (fragmentation ratio ${ratio.toFixed(2)}): ${formatBytes(rss - used)} are lost to fragmentation. ` +
          'Enable activedefrag (jemalloc builds), or restart a replica and fail over to it at a quiet time.',
        evidence,
      };
    }
    if (ratio < FRAGMENTATION_SWAPPING) {
      return {
        severity: 'critical',
        explanation:
          `${where} (fragmentation ratio ${ratio.toFixed(2)}): about ${formatBytes(used - rss)} are swapped out, so ` +
          'commands touching them wait on the disk. Lower maxmemory or give the host more memory, and keep Redis ' +
          'hosts off swap.',
        evidence,
      };
    }
    return null;
  },
};

const blockedClients: Rule<Facts> = {
  id: 'blocked-clients',
  title: 'Clients blocked in blocking commands',
  faultClass: 'lock-contention',
  severity: 'info',
  signals: ['blocked_clients'],
  actions: ['kill-clients'],
  evaluate(ctx) {
    const signal = ctx.signals.blocked_clients;
    const clients = ctx.facts?.clients;
    const blocked = clients?.blocked ?? signal?.last;
    if (blocked === undefined || blocked === 0) return null;
    const growing =
      signal !== undefined && signal.last - signal.first >= BLOCKED_CLIENTS_GROWTH && signal.last >= 2 * signal.first;
    const share = clients === undefined ? '' : ` of ${clients.connected} connected`;
    const what =
      `${plural(blocked, 'client')}${share} on ${ctx.instance.name} ${blocked === 1 ? 'is' : 'are'} blocked ` +
      'in BLPOP, BRPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, WAIT or a similar command';
    const evidence: Evidence[] =
      clients === undefined
        ? []
        : [factEvidence('blocked_clients', clients.blocked), factEvidence('connected_clients', clients.connected)];
    if (signal !== undefined) evidence.push(signalEvidence(signal));
    if (growing) {
      return {
        severity: 'warning',
        explanation:
          `${what}, up from ${signal.first} at the start of the window: producers have stopped feeding the keys ` +
          'these clients wait on, or consumers open a connection per wait and leak them. Check the producers, then ' +
          "the consumers' pooling (CLIENT LIST, flags=b); every blocked connection counts against maxclients.",
        evidence,
      };
    }
    return {
      explanation:
        `${what}. That is normal for queue consumers waiting on an empty list or stream; it matters when the number ` +
        'keeps rising or when those queues should not be empty (CLIENT LIST, flags=b, shows who waits on what).',
      evidence,
    };
  },
};

const clientsNearMaxclients: Rule<Facts> = {
  id: 'clients-near-maxclients',
  title: 'Connections near maxclients or refused',
  faultClass: 'connection-exhaustion',
  severity: 'warning',
  signals: ['connected_clients', 'rejected_connections_rate'],
  actions: ['kill-clients'],
  evaluate(ctx) {
    const signal = ctx.signals.connected_clients;
    const connected = ctx.facts?.clients.connected ?? signal?.last;
    const maxclients = ctx.facts?.clients.maxclients ?? signal?.limit;
    const share = connected !== undefined && maxclients ? connected / maxclients : undefined;
    const rejected = ctx.signals.rejected_connections_rate;
    const refusing = rejected !== undefined && rejected.max > 0;
    if (!refusing && (share === undefined || share < CLIENTS_WARNING_SHARE)) return null;

    const parts: string[] = [];
    const evidence: Evidence[] = [];
    if (share !== undefined) {
      parts.push(`has ${connected} connected clients of maxclients ${maxclients} (${formatPercent(share)})`);
      if (ctx.facts === undefined && signal !== undefined) {
        evidence.push(signalEvidence(signal));
      } else {
        evidence.push(
          factEvidence('connected_clients', connected ?? null),
          factEvidence('maxclients', maxclients ?? null),
        );
      }
    }
    if (refusing) {
      parts.push(`refused up to ${formatValue(rejected.max, 'per_second')} new connections in the window`);
      evidence.push(signalEvidence(rejected));
    }
    const idle = ctx.facts?.clientList?.idleOver300s;
    if (idle) evidence.push(factEvidence('clients_idle_over_300s', idle));
    evidence.push(...notableLogEvidence(ctx.logs, 'max-clients-reached'));
    return {
      severity: refusing || (share ?? 0) >= CLIENTS_CRITICAL_SHARE ? 'critical' : 'warning',
      explanation:
        `${ctx.instance.name} ${parts.join(' and ')}${idle ? `; ${idle} clients have been idle over 5 min` : ''}. ` +
        'Find who holds the connections (CLIENT LIST: name, addr, idle), fix pool sizes or leaks, set `timeout` so ' +
        'idle connections close, or raise maxclients within the open-file limit.',
      evidence,
    };
  },
};

const slowCommands: Rule<Facts> = {
  id: 'slow-commands',
  title: 'Slow commands stall the server',
  faultClass: 'slow-queries',
  severity: 'warning',
  signals: ['slowlog_length'],
  actions: [],
  evaluate(ctx) {
    const advice =
      'Redis runs one command at a time, so every other client waited meanwhile. Find the callers and replace O(N) ' +
      'work (KEYS, SMEMBERS/HGETALL/LRANGE on big keys, long Lua scripts, DEL of big keys) with SCAN-style ' +
      'iteration, smaller keys or UNLINK.';
    const slowlog = ctx.facts?.slowlog;
    if (slowlog !== undefined) {
      // Entries below 10 ms are ignored even when slowlog-log-slower-than is set lower to see more.
      const from = Math.floor(ctx.window.from.getTime() / 1000);
      const to = Math.ceil(ctx.window.to.getTime() / 1000);
      const slow = slowlog.recent.filter(
        (entry) => entry.time >= from && entry.time <= to && entry.durationMicros >= SLOW_COMMAND_MICROS,
      );
      const slowest = largestBy(slow, 'durationMicros');
      if (slowest === undefined) return null;
      const duration = formatValue(slowest.durationMicros / 1000, 'milliseconds');
      return {
        severity: slowest.durationMicros >= VERY_SLOW_COMMAND_MICROS ? 'critical' : 'warning',
        explanation:
          `${plural(slow.length, 'recent command')} on ${ctx.instance.name} took 10 ms or more in the window; the ` +
          `slowest, ${slowest.command}, took ${duration} at ${new Date(slowest.time * 1000).toISOString()}. ${advice}`,
        evidence: [
          factEvidence('slow_commands_in_window', slow.length),
          factEvidence('slowest_command', slowest.command),
          factEvidence('slowest_duration_us', slowest.durationMicros),
          factEvidence('slowlog_len', slowlog.length),
          factEvidence('slowlog-log-slower-than', ctx.facts?.config?.slowlogLogSlowerThanMicros ?? null),
        ],
      };
    }
    const length = ctx.signals.slowlog_length;
    if (length === undefined || length.last - length.first < SLOWLOG_GROWTH) return null;
    return {
      explanation:
        `The slow log of ${ctx.instance.name} grew by ${length.last - length.first} entries in the window (to ` +
        `${length.last}): commands slower than slowlog-log-slower-than keep arriving; SLOWLOG GET shows which. ${advice}`,
      evidence: [signalEvidence(length)],
    };
  },
};

const replicaLinkDown: Rule<Facts> = {
  id: 'replica-link-down',
  title: 'Replica lost its master',
  faultClass: 'replication',
  severity: 'critical',
  signals: ['master_link_up'],
  actions: [],
  evaluate(ctx) {
    const logs = notableLogEvidence(ctx.logs, 'master-link-lost', 'replica-sync-failed');
    const advice =
      'it serves data that grows staler and will need a resync (a full one once the backlog is exceeded). Check ' +
      "that the master is up and reachable from the replica, and the replica's log for the sync error.";
    const facts = ctx.facts;
    if (facts !== undefined) {
      const { masterAddress, masterLinkStatus, masterLinkDownSinceSeconds: downFor } = facts.replication;
      if (facts.server.role !== 'replica' || masterLinkStatus === undefined || masterLinkStatus === 'up') return null;
      const since = downFor !== undefined && downFor > 0 ? ` for ${formatDuration(downFor)}` : '';
      return {
        explanation: `Replica ${ctx.instance.name} has had no link to master ${masterAddress ?? '(unknown)'}${since}: ${advice}`,
        evidence: [
          factEvidence('master_link_status', masterLinkStatus),
          factEvidence('master_link_down_since_seconds', downFor ?? null),
          ...logs,
        ],
      };
    }
    const link = ctx.signals.master_link_up;
    if (link === undefined || link.last !== 0) return null;
    return {
      explanation: `Replica ${ctx.instance.name} reports its link to the master down: ${advice}`,
      evidence: [signalEvidence(link), ...logs],
    };
  },
};

const persistenceFailing: Rule<Facts> = {
  id: 'persistence-failing',
  title: 'Persistence is failing',
  faultClass: 'persistence',
  severity: 'critical',
  signals: ['persistence_ok'],
  actions: ['bgsave'],
  evaluate(ctx) {
    const advice =
      'Find the cause in the Redis log (disk full, permissions, "Can\'t save in background: fork" when ' +
      'vm.overcommit_memory=0 or memory is short), fix it, then run BGSAVE to confirm.';
    const logs = notableLogEvidence(ctx.logs, 'persistence-error', 'fork-failed');
    const persistence = ctx.facts?.persistence;
    if (persistence !== undefined) {
      const writesRefused: string[] = [];
      if (persistence.rdbLastBgsaveStatus !== 'ok') {
        writesRefused.push(
          `the last RDB snapshot failed with ${persistence.rdbChangesSinceLastSave} changes not yet on disk`,
        );
      }
      if (persistence.aofEnabled && persistence.aofLastWriteStatus !== 'ok') {
        writesRefused.push('the last AOF write failed');
      }
      const rewriteFailed = persistence.aofEnabled && persistence.aofLastBgrewriteStatus !== 'ok';
      if (writesRefused.length === 0 && !rewriteFailed) return null;
      const evidence = [
        factEvidence('rdb_last_bgsave_status', persistence.rdbLastBgsaveStatus),
        factEvidence('rdb_changes_since_last_save', persistence.rdbChangesSinceLastSave),
        factEvidence('aof_enabled', persistence.aofEnabled),
        factEvidence('aof_last_write_status', persistence.aofLastWriteStatus),
        factEvidence('aof_last_bgrewrite_status', persistence.aofLastBgrewriteStatus),
        factEvidence('save', ctx.facts?.config?.save ?? null),
        ...logs,
      ];
      if (writesRefused.length === 0) {
        return {
          severity: 'warning',
          explanation: `On ${ctx.instance.name} the last AOF rewrite failed: the AOF keeps growing and restarts get slower. ${advice}`,
          evidence,
        };
      }
      return {
        explanation:
          `On ${ctx.instance.name} ${writesRefused.join(' and ')}. Redis now refuses writes with MISCONF (unless ` +
          `stop-writes-on-bgsave-error is off), and a restart would lose every change since the last good save. ${advice}`,
        evidence,
      };
    }
    const signal = ctx.signals.persistence_ok;
    if (signal === undefined || signal.last !== 0) return null;
    return {
      explanation:
        `On ${ctx.instance.name} the last RDB snapshot or AOF write failed: Redis refuses writes with MISCONF ` +
        `(unless stop-writes-on-bgsave-error is off) and a restart would lose the unsaved changes. ${advice}`,
      evidence: [signalEvidence(signal), ...logs],
    };
  },
};

const hitRatioCollapse: Rule<Facts> = {
  id: 'hit-ratio-collapse',
  title: 'Cache hit ratio collapsed',
  faultClass: 'memory-pressure',
  severity: 'warning',
  // A collapse is a change within the window; the since-start counters of the facts cannot show one.
  signals: ['keyspace_hit_ratio', 'keyspace_misses_rate', 'evicted_keys_rate'],
  actions: ['raise-maxmemory'],
  evaluate(ctx) {
    const ratio = ctx.signals.keyspace_hit_ratio;
    const misses = ctx.signals.keyspace_misses_rate;
    if (ratio === undefined || misses === undefined) return null;
    if (ratio.max - ratio.last < HIT_RATIO_DROP || ratio.last >= HIT_RATIO_LOW) return null;
    if (misses.last < MISSES_PER_SECOND_MIN) return null;
    const evictions = ctx.signals.evicted_keys_rate;
    const cause =
      evictions === undefined
        ? 'Check evictions, a FLUSH or restart, expiring TTLs, and key names changed by a deploy.'
        : evictions.max > 0
          ? `Keys are being evicted (up to ${formatValue(evictions.max, 'per_second')}): the working set no longer ` +
            'fits in maxmemory.'
          : 'No key was evicted, so look for a FLUSH or restart, TTLs expiring together, or key names changed by a deploy.';
    const evidence = [signalEvidence(ratio), signalEvidence(misses)];
    if (evictions !== undefined) evidence.push(signalEvidence(evictions));
    return {
      explanation:
        `The keyspace hit ratio of ${ctx.instance.name} fell from ${formatPercent(ratio.max)} to ` +
        `${formatPercent(ratio.last)} in the window, with ${formatValue(misses.last, 'per_second')} lookups missing: ` +
        `those reads fall through to the backing store. ${cause}`,
      evidence,
    };
  },
};

const oomErrorsLogged: Rule<Facts> = {
  id: 'oom-errors-logged',
  title: 'Writes refused with OOM',
  faultClass: 'memory-pressure',
  severity: 'critical',
  signals: ['used_memory'],
  actions: ['raise-maxmemory', 'set-maxmemory-policy'],
  evaluate(ctx) {
    const oom = notableLogs(ctx.logs, 'oom-command-not-allowed');
    if (oom === null) return null;
    const usage = memoryUsage(ctx);
    const now = usage === undefined ? '' : ` (now ${describeUsage(usage)}, policy ${usage.policy ?? 'unknown'})`;
    return {
      explanation:
        `${plural(oom.count, 'log line')} in the window report "OOM command not allowed" for ${ctx.instance.name}: ` +
        `writes were refused because used memory reached maxmemory${now}, and the applications lost them. Free ` +
        'memory or raise maxmemory; for a cache, an evicting policy avoids the errors.',
      evidence: [oom.evidence, ...(usage?.evidence ?? [])],
    };
  },
};

export const rules: Rule<Facts>[] = [
  memoryNearLimitNoeviction,
  evictingKeys,
  maxmemoryUnset,
  memoryFragmentation,
  blockedClients,
  clientsNearMaxclients,
  slowCommands,
  replicaLinkDown,
  persistenceFailing,
  hitRatioCollapse,
  oomErrorsLogged,
];
