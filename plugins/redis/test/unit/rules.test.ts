import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Evidence, RuleContext } from '@kubestack/plugin-sdk';
import { runRules } from '@kubestack/plugin-sdk';
import {
  type ContextInput,
  contextFor,
  factValue,
  findingOf,
  firedRules,
  type SignalInput,
} from '@kubestack/plugin-sdk/testkit';
import plugin, { type Facts } from '../../src/index.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const nowSeconds = Math.floor(Date.now() / 1000);

/** A healthy primary with a replica: 50 MiB of a 256 MiB limit, nothing slow, nothing failing. */
function healthyFacts(change: (facts: Facts) => void = () => {}): Facts {
  const facts: Facts = {
    server: { version: '7.0.15', role: 'master', uptimeSeconds: 86_400 },
    memory: {
      usedBytes: 50 * MiB,
      rssBytes: 60 * MiB,
      fragmentationRatio: 1.2,
      maxmemoryBytes: 256 * MiB,
      maxmemoryPolicy: 'noeviction',
      systemMemoryBytes: 8 * GiB,
      evictedKeys: 0,
    },
    clients: { connected: 20, blocked: 0, maxclients: 10_000, rejectedConnections: 0 },
    persistence: {
      rdbLastBgsaveStatus: 'ok',
      rdbChangesSinceLastSave: 120,
      aofEnabled: false,
      aofLastWriteStatus: 'ok',
      aofLastBgrewriteStatus: 'ok',
    },
    replication: {},
    config: {
      maxmemoryBytes: 256 * MiB,
      maxmemoryPolicy: 'noeviction',
      maxclients: 10_000,
      save: '3600 1 300 100 60 10000',
      appendonly: false,
      slowlogLogSlowerThanMicros: 10_000,
    },
    // A slow command two hours ago: outside the 15-minute diagnosis window.
    slowlog: {
      length: 1,
      recent: [{ id: 7, time: nowSeconds - 7200, durationMicros: 45_000, command: 'KEYS [1 arg]' }],
    },
    clientList: { count: 20, blocked: 0, idleOver300s: 2, biggestOutputBufferBytes: 0 },
    unavailable: {},
  };
  change(facts);
  return facts;
}

const healthySignals: Record<string, SignalInput> = {
  used_memory: { last: 50 * MiB, limit: 256 * MiB },
  memory_fragmentation_ratio: 1.2,
  connected_clients: { last: 20, limit: 10_000 },
  blocked_clients: 0,
  rejected_connections_rate: 0,
  evicted_keys_rate: 0,
  keyspace_hit_ratio: 0.95,
  keyspace_misses_rate: 20,
  commands_rate: 2_000,
  slowlog_length: 1,
  persistence_ok: 1,
};

function context(input: ContextInput<Facts>): RuleContext<Facts> {
  return contextFor(plugin, input);
}

/** Facts only, as when Prometheus has nothing for the instance. */
function withFacts(change: (facts: Facts) => void): RuleContext<Facts> {
  return context({ facts: healthyFacts(change) });
}

/** Signals only, as when the connector is refused. */
function withSignals(signals: Record<string, SignalInput>): RuleContext<Facts> {
  return context({ signals: { ...healthySignals, ...signals } });
}

function findingFor(ctx: RuleContext<Facts>, rule: string) {
  const finding = findingOf(runRules(plugin, ctx), rule);
  assert.ok(finding, `expected rule ${rule} to fire`);
  return finding;
}

function signal(evidence: Evidence[], id: string) {
  const found = evidence.find((item) => item.kind === 'signal' && item.signal === id);
  assert.ok(found?.kind === 'signal', `expected signal evidence ${id}`);
  return found;
}

/** One bad context per rule: the rule fires there with this severity. */
const badContexts: Record<string, { ctx: RuleContext<Facts>; severity: string }> = {
  'memory-near-limit-noeviction': {
    ctx: withFacts((f) => {
      f.memory.usedBytes = 0.9 * 256 * MiB;
    }),
    severity: 'warning',
  },
  'evicting-keys': {
    ctx: context({
      facts: healthyFacts((f) => {
        f.memory.usedBytes = 256 * MiB;
        f.memory.maxmemoryPolicy = 'allkeys-lru';
      }),
      signals: { evicted_keys_rate: { last: 40, max: 120 } },
    }),
    severity: 'warning',
  },
  'maxmemory-unset': {
    ctx: withFacts((f) => {
      f.memory.maxmemoryBytes = 0;
      f.memory.usedBytes = GiB;
    }),
    severity: 'info',
  },
  'memory-fragmentation': {
    ctx: withFacts((f) => {
      f.memory.usedBytes = GiB;
      f.memory.rssBytes = 2.1 * GiB;
      f.memory.fragmentationRatio = 2.1;
      f.memory.maxmemoryBytes = 4 * GiB;
    }),
    severity: 'warning',
  },
  'blocked-clients': {
    ctx: withFacts((f) => {
      f.clients.blocked = 1;
    }),
    severity: 'info',
  },
  'clients-near-maxclients': {
    ctx: withFacts((f) => {
      f.clients.connected = 8_500;
    }),
    severity: 'warning',
  },
  'slow-commands': {
    ctx: withFacts((f) => {
      f.slowlog = {
        length: 2,
        recent: [
          { id: 9, time: nowSeconds - 60, durationMicros: 35_200, command: 'EVAL [3 args]' },
          { id: 8, time: nowSeconds - 120, durationMicros: 12_000, command: 'HGETALL [1 arg]' },
        ],
      };
    }),
    severity: 'warning',
  },
  'replica-link-down': {
    ctx: withFacts((f) => {
      f.server.role = 'replica';
      f.replication = {
        masterAddress: '10.0.0.5:6379',
        masterLinkStatus: 'down',
        masterLinkDownSinceSeconds: 420,
      };
    }),
    severity: 'critical',
  },
  'persistence-failing': {
    ctx: withFacts((f) => {
      f.persistence.rdbLastBgsaveStatus = 'err';
      f.persistence.rdbChangesSinceLastSave = 52_000;
    }),
    severity: 'critical',
  },
  'hit-ratio-collapse': {
    ctx: withSignals({ keyspace_hit_ratio: { first: 0.94, max: 0.95, last: 0.31 }, keyspace_misses_rate: 400 }),
    severity: 'warning',
  },
  'oom-errors-logged': {
    ctx: context({
      facts: healthyFacts(),
      logs: {
        total: 12,
        notable: {
          'oom-command-not-allowed': {
            count: 12,
            sample: [
              {
                timestamp: new Date().toISOString(),
                level: 'error',
                message: "OOM command not allowed when used memory > 'maxmemory'.",
              },
            ],
          },
        },
      },
    }),
    severity: 'critical',
  },
};

function bad(rule: string): RuleContext<Facts> {
  const entry = badContexts[rule];
  assert.ok(entry, `no bad context for ${rule}`);
  return entry.ctx;
}

describe('redis rules', () => {
  test('every rule has a bad context', () => {
    assert.deepEqual(Object.keys(badContexts).sort(), plugin.rules.map((rule) => rule.id).sort());
  });

  for (const [rule, { ctx, severity }] of Object.entries(badContexts)) {
    test(`${rule} fires on its bad context, alone, as ${severity}`, () => {
      assert.deepEqual(firedRules(plugin, ctx), [rule]);
      const finding = findingFor(ctx, rule);
      assert.equal(finding.severity, severity);
      assert.ok(finding.evidence.length > 0);
      assert.match(finding.explanation, /127\.0\.0\.1:1/);
    });
  }

  test('a healthy instance fires nothing, from facts, from signals, or both', () => {
    assert.deepEqual(firedRules(plugin, context({ facts: healthyFacts() })), []);
    assert.deepEqual(firedRules(plugin, context({ signals: healthySignals })), []);
    assert.deepEqual(firedRules(plugin, context({ facts: healthyFacts(), signals: healthySignals })), []);
  });

  test('no data, no finding', () => {
    assert.deepEqual(firedRules(plugin, context({})), []);
    assert.deepEqual(firedRules(plugin, context({ logs: { available: false } })), []);
  });
});

describe('memory-near-limit-noeviction', () => {
  test('carries the numbers and escalates to critical at 95 %', () => {
    const warning = findingFor(bad('memory-near-limit-noeviction'), 'memory-near-limit-noeviction');
    assert.equal(factValue(warning.evidence, 'used_memory'), 0.9 * 256 * MiB);
    assert.equal(factValue(warning.evidence, 'maxmemory'), 256 * MiB);
    assert.equal(factValue(warning.evidence, 'maxmemory_policy'), 'noeviction');
    assert.match(warning.explanation, /230 MiB of maxmemory 256 MiB \(90 %\)/);
    assert.deepEqual(warning.actions, ['raise-maxmemory', 'set-maxmemory-policy']);

    const critical = withFacts((f) => {
      f.memory.usedBytes = 0.96 * 256 * MiB;
    });
    assert.equal(findingFor(critical, 'memory-near-limit-noeviction').severity, 'critical');
  });

  test('stays silent under 85 % and under an evicting policy', () => {
    const below = withFacts((f) => {
      f.memory.usedBytes = 0.84 * 256 * MiB;
    });
    assert.deepEqual(firedRules(plugin, below), []);
    const evicting = withFacts((f) => {
      f.memory.usedBytes = 0.9 * 256 * MiB;
      f.memory.maxmemoryPolicy = 'allkeys-lru';
    });
    assert.deepEqual(firedRules(plugin, evicting), []);
  });

  test('falls back to the signal and its limit when no eviction happened in the window', () => {
    const ctx = withSignals({ used_memory: { last: 0.9 * 256 * MiB, limit: 256 * MiB } });
    const finding = findingFor(ctx, 'memory-near-limit-noeviction');
    assert.equal(signal(finding.evidence, 'used_memory').limit, 256 * MiB);
    assert.match(finding.explanation, /could not be read/);
    const evicting = withSignals({ used_memory: { last: 256 * MiB, limit: 256 * MiB }, evicted_keys_rate: 5 });
    assert.ok(!firedRules(plugin, evicting).includes('memory-near-limit-noeviction'));
  });
});

describe('evicting-keys', () => {
  test('reports the eviction rate and the memory state', () => {
    const finding = findingFor(bad('evicting-keys'), 'evicting-keys');
    assert.equal(signal(finding.evidence, 'evicted_keys_rate').max, 120);
    assert.equal(factValue(finding.evidence, 'maxmemory_policy'), 'allkeys-lru');
    assert.match(finding.explanation, /up to 120\/s keys/);
  });

  test('without the rate, counts evictions since start only at the limit', () => {
    const atLimit = withFacts((f) => {
      f.memory.usedBytes = 255 * MiB;
      f.memory.maxmemoryPolicy = 'allkeys-lfu';
      f.memory.evictedKeys = 5_000;
    });
    const finding = findingFor(atLimit, 'evicting-keys');
    assert.equal(factValue(finding.evidence, 'evicted_keys'), 5_000);
    assert.match(finding.explanation, /5000 keys since it started 24 h ago/);
    const belowLimit = withFacts((f) => {
      f.memory.maxmemoryPolicy = 'allkeys-lfu';
      f.memory.evictedKeys = 5_000;
    });
    assert.deepEqual(firedRules(plugin, belowLimit), []);
  });
});

describe('maxmemory-unset', () => {
  test('escalates to warning past half the host memory', () => {
    const big = withFacts((f) => {
      f.memory.maxmemoryBytes = 0;
      f.memory.usedBytes = 5 * GiB;
    });
    const finding = findingFor(big, 'maxmemory-unset');
    assert.equal(finding.severity, 'warning');
    assert.equal(factValue(finding.evidence, 'total_system_memory'), 8 * GiB);
    assert.match(finding.explanation, /5 GiB of 8 GiB host memory \(62\.5 %\)/);
  });

  test('stays silent when the host memory is unknown', () => {
    const unknownHost = withFacts((f) => {
      f.memory.maxmemoryBytes = 0;
      f.memory.systemMemoryBytes = 0;
    });
    assert.deepEqual(firedRules(plugin, unknownHost), []);
  });
});

describe('memory-fragmentation', () => {
  test('high fragmentation reports the wasted memory', () => {
    const finding = findingFor(bad('memory-fragmentation'), 'memory-fragmentation');
    assert.equal(factValue(finding.evidence, 'mem_fragmentation_ratio'), 2.1);
    assert.match(finding.explanation, /1\.10 GiB are lost to fragmentation/);
  });

  test('a ratio below 1 means swapping and is critical', () => {
    const swapping = withFacts((f) => {
      f.memory.usedBytes = 2 * GiB;
      f.memory.rssBytes = 1.4 * GiB;
      f.memory.fragmentationRatio = 0.7;
      f.memory.maxmemoryBytes = 4 * GiB;
    });
    const finding = findingFor(swapping, 'memory-fragmentation');
    assert.equal(finding.severity, 'critical');
    assert.match(finding.explanation, /swapped out/);
  });

  test('ignores small datasets, and falls back to signals', () => {
    const small = withFacts((f) => {
      f.memory.fragmentationRatio = 4;
    });
    assert.deepEqual(firedRules(plugin, small), []);
    const fromSignals = withSignals({
      memory_fragmentation_ratio: 1.9,
      used_memory: { last: 500 * MiB, limit: 4 * GiB },
    });
    const finding = findingFor(fromSignals, 'memory-fragmentation');
    assert.equal(signal(finding.evidence, 'memory_fragmentation_ratio').last, 1.9);
  });
});

describe('blocked-clients', () => {
  test('a steady blocked consumer is info with the counts', () => {
    const finding = findingFor(bad('blocked-clients'), 'blocked-clients');
    assert.equal(factValue(finding.evidence, 'blocked_clients'), 1);
    assert.equal(factValue(finding.evidence, 'connected_clients'), 20);
    assert.match(finding.explanation, /1 client of 20 connected/);
  });

  test('a rising count is a warning, from signals alone', () => {
    const rising = withSignals({ blocked_clients: { first: 2, last: 40, max: 40 } });
    const finding = findingFor(rising, 'blocked-clients');
    assert.equal(finding.severity, 'warning');
    assert.match(finding.explanation, /up from 2/);
    assert.deepEqual(finding.actions, ['kill-clients']);
  });
});

describe('clients-near-maxclients', () => {
  test('escalates to critical at 95 % and when connections are refused', () => {
    const full = withFacts((f) => {
      f.clients.connected = 9_700;
    });
    const finding = findingFor(full, 'clients-near-maxclients');
    assert.equal(finding.severity, 'critical');
    assert.equal(factValue(finding.evidence, 'connected_clients'), 9_700);
    assert.equal(factValue(finding.evidence, 'maxclients'), 10_000);
    assert.equal(factValue(finding.evidence, 'clients_idle_over_300s'), 2);

    const refusing = withSignals({ rejected_connections_rate: { first: 0, last: 0, max: 3.5 } });
    const refused = findingFor(refusing, 'clients-near-maxclients');
    assert.equal(refused.severity, 'critical');
    assert.match(refused.explanation, /refused up to 3\.50\/s/);
  });

  test('falls back to the signal and its limit', () => {
    const ctx = withSignals({ connected_clients: { last: 850, limit: 1_000 } });
    const finding = findingFor(ctx, 'clients-near-maxclients');
    assert.equal(finding.severity, 'warning');
    assert.equal(signal(finding.evidence, 'connected_clients').limit, 1_000);
  });
});

describe('slow-commands', () => {
  test('names the slowest command in the window and escalates at 1 s', () => {
    const finding = findingFor(bad('slow-commands'), 'slow-commands');
    assert.equal(factValue(finding.evidence, 'slow_commands_in_window'), 2);
    assert.equal(factValue(finding.evidence, 'slowest_command'), 'EVAL [3 args]');
    assert.equal(factValue(finding.evidence, 'slowest_duration_us'), 35_200);
    assert.equal(factValue(finding.evidence, 'slowlog-log-slower-than'), 10_000);
    assert.match(finding.explanation, /EVAL \[3 args\], took 35\.2 ms/);

    const verySlow = withFacts((f) => {
      f.slowlog = {
        length: 1,
        recent: [{ id: 1, time: nowSeconds, durationMicros: 1_500_000, command: 'KEYS [1 arg]' }],
      };
    });
    assert.equal(findingFor(verySlow, 'slow-commands').severity, 'critical');
  });

  test('ignores entries under 10 ms, even with slowlog-log-slower-than lowered', () => {
    const fast = withFacts((f) => {
      f.config = f.config && { ...f.config, slowlogLogSlowerThanMicros: 0 };
      f.slowlog = {
        length: 128,
        recent: [{ id: 300, time: nowSeconds, durationMicros: 2_000, command: 'GET [1 arg]' }],
      };
    });
    assert.deepEqual(firedRules(plugin, fast), []);
  });

  test('falls back to slow log growth', () => {
    const growing = withSignals({ slowlog_length: { first: 3, last: 18, max: 18 } });
    const finding = findingFor(growing, 'slow-commands');
    assert.match(finding.explanation, /grew by 15 entries/);
    assert.deepEqual(firedRules(plugin, withSignals({ slowlog_length: { first: 3, last: 8 } })), []);
  });
});

describe('replica-link-down', () => {
  test('says how long the link has been down, with log lines', () => {
    const ctx = context({
      facts: bad('replica-link-down').facts,
      logs: {
        notable: {
          'master-link-lost': {
            count: 1,
            sample: [{ timestamp: '2026-11-25T07:00:00Z', level: 'notice', message: 'Connection with master lost.' }],
          },
        },
      },
    });
    const finding = findingFor(ctx, 'replica-link-down');
    assert.match(finding.explanation, /master 10\.0\.0\.5:6379 for 7 min/);
    assert.equal(factValue(finding.evidence, 'master_link_status'), 'down');
    assert.ok(finding.evidence.some((item) => item.kind === 'log' && item.count === 1));
  });

  test('silent on a replica whose link is up; falls back to master_link_up', () => {
    const up = withFacts((f) => {
      f.server.role = 'replica';
      f.replication = { masterAddress: '10.0.0.5:6379', masterLinkStatus: 'up' };
    });
    assert.deepEqual(firedRules(plugin, up), []);
    assert.equal(findingFor(withSignals({ master_link_up: 0 }), 'replica-link-down').severity, 'critical');
    assert.deepEqual(firedRules(plugin, withSignals({ master_link_up: 1 })), []);
  });
});

describe('persistence-failing', () => {
  test('a failed snapshot carries the unsaved changes; a failed AOF rewrite alone is a warning', () => {
    const finding = findingFor(bad('persistence-failing'), 'persistence-failing');
    assert.equal(factValue(finding.evidence, 'rdb_last_bgsave_status'), 'err');
    assert.match(finding.explanation, /52000 changes not yet on disk/);
    assert.deepEqual(finding.actions, ['bgsave']);

    const rewrite = withFacts((f) => {
      f.persistence.aofEnabled = true;
      f.persistence.aofLastBgrewriteStatus = 'err';
    });
    assert.equal(findingFor(rewrite, 'persistence-failing').severity, 'warning');
    const aofOff = withFacts((f) => {
      f.persistence.aofLastWriteStatus = 'err';
    });
    assert.deepEqual(firedRules(plugin, aofOff), []);
  });

  test('falls back to persistence_ok', () => {
    assert.equal(findingFor(withSignals({ persistence_ok: 0 }), 'persistence-failing').severity, 'critical');
  });
});

describe('hit-ratio-collapse', () => {
  test('reports the drop and the miss rate', () => {
    const finding = findingFor(bad('hit-ratio-collapse'), 'hit-ratio-collapse');
    assert.match(finding.explanation, /from 95 % to 31 %/);
    assert.equal(signal(finding.evidence, 'keyspace_misses_rate').last, 400);
    assert.match(finding.explanation, /No key was evicted/);
  });

  test('needs enough misses, and a drop rather than a ratio that was always low', () => {
    const quiet = withSignals({ keyspace_hit_ratio: { max: 0.95, last: 0.3 }, keyspace_misses_rate: 10 });
    assert.deepEqual(firedRules(plugin, quiet), []);
    const alwaysLow = withSignals({ keyspace_hit_ratio: { max: 0.35, last: 0.3 }, keyspace_misses_rate: 400 });
    assert.deepEqual(firedRules(plugin, alwaysLow), []);
  });
});

describe('oom-errors-logged', () => {
  test('counts the lines and adds the memory state', () => {
    const finding = findingFor(bad('oom-errors-logged'), 'oom-errors-logged');
    assert.ok(finding.evidence.some((item) => item.kind === 'log' && item.count === 12));
    assert.equal(factValue(finding.evidence, 'used_memory'), 50 * MiB);
    assert.match(finding.explanation, /12 log lines/);
  });
});
