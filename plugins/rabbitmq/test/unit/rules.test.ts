import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRules } from '@kubestack/plugin-sdk';
import { contextFor, factValue, findingOf, firedRules, matchesLogPattern } from '@kubestack/plugin-sdk/testkit';
import type { RabbitNode, RabbitQueue } from '../../src/connector.ts';
import plugin, { type Facts } from '../../src/index.ts';

function node(overrides: Partial<RabbitNode> = {}): RabbitNode {
  return {
    name: 'rabbit@mq-0',
    running: true,
    memoryAlarm: false,
    diskFreeAlarm: false,
    memoryUsedBytes: 400e6,
    memoryLimitBytes: 1000e6,
    diskFreeBytes: 50e9,
    diskFreeLimitBytes: 50e6,
    fileDescriptorsUsed: 100,
    fileDescriptorsLimit: 10_000,
    socketsUsed: 50,
    socketsLimit: 9_000,
    partitionedFrom: [],
    ...overrides,
  };
}

function queue(overrides: Partial<RabbitQueue> = {}): RabbitQueue {
  return {
    vhost: '/',
    name: 'orders',
    messagesReady: 3,
    messagesUnacked: 2,
    bytesReady: 3_000,
    consumers: 4,
    ackRate: 120,
    publishRate: 120,
    policy: null,
    maxLength: null,
    maxLengthBytes: null,
    overflow: 'drop-head',
    deadLetterExchange: null,
    ...overrides,
  };
}

function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    version: '3.10.8',
    clusterName: 'prod',
    nodes: [node()],
    queues: [queue()],
    queueCount: 1,
    connections: 40,
    connectionsOpenedPerSecond: 0.2,
    connectionsClosedPerSecond: 0.2,
    ...overrides,
  };
}

const healthySignals = {
  messages_ready: 3,
  messages_unacked: 2,
  consumers: 4,
  delivered_rate: 120,
  connections_opened_rate: 0.2,
  connections: 40,
  memory_used: { last: 400e6, limit: 1000e6 },
  disk_free: { last: 50e9, limit: 50e6 },
  file_descriptors: { last: 100, limit: 10_000 },
  memory_alarm: 0,
  disk_alarm: 0,
};

function evaluate(input: Parameters<typeof contextFor<Facts>>[1]) {
  return runRules(plugin, contextFor(plugin, input));
}

function fired(input: Parameters<typeof contextFor<Facts>>[1]): string[] {
  return firedRules(plugin, contextFor(plugin, input));
}

describe('rabbitmq rules', () => {
  it('stay silent on a healthy broker, from facts and from signals', () => {
    assert.deepEqual(fired({ facts: facts(), signals: healthySignals }), []);
    assert.deepEqual(fired({ signals: healthySignals }), []);
  });

  it('conclude nothing without data', () => {
    assert.deepEqual(fired({ logs: { available: false } }), []);
  });

  describe('queue-backlog-without-consumers', () => {
    const orphan = queue({ name: 'invoices', messagesReady: 5_000, consumers: 0, bytesReady: 5e6 });

    it('fires on a queue with a backlog and no consumer, naming it and its numbers', () => {
      const finding = findingOf(
        evaluate({ facts: facts({ queues: [queue(), orphan] }) }),
        'queue-backlog-without-consumers',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /queue "invoices" \(vhost \/\) with 5000 messages/);
      assert.equal(factValue(finding?.evidence ?? [], 'queue "invoices" (vhost /) messages ready'), 5_000);
      assert.deepEqual(finding?.actions.includes('move-backlog-to-dead-letter'), true);
    });

    it('escalates to critical on a huge backlog', () => {
      const huge = { ...orphan, messagesReady: 250_000 };
      assert.equal(
        findingOf(evaluate({ facts: facts({ queues: [huge] }) }), 'queue-backlog-without-consumers')?.severity,
        'critical',
      );
    });

    it('ignores small backlogs and consumed queues', () => {
      const small = { ...orphan, messagesReady: 10 };
      const consumed = { ...orphan, consumers: 2 };
      assert.ok(!fired({ facts: facts({ queues: [small, consumed] }) }).includes('queue-backlog-without-consumers'));
    });

    it('falls back to signals when facts are missing', () => {
      const finding = findingOf(
        evaluate({ signals: { ...healthySignals, messages_ready: 8_000, consumers: 0 } }),
        'queue-backlog-without-consumers',
      );
      assert.equal(finding?.evidence[0]?.kind === 'signal' && finding.evidence[0].last, 8_000);
    });
  });

  describe('unacked-messages-piling-up', () => {
    const stuck = queue({ name: 'emails', messagesUnacked: 500, ackRate: 0, consumers: 2 });

    it('fires when consumers hold messages and acknowledge none', () => {
      const finding = findingOf(evaluate({ facts: facts({ queues: [stuck] }) }), 'unacked-messages-piling-up');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /500 unacknowledged messages held by 2 consumer\(s\) and 0 acks\/s/);
      assert.equal(factValue(finding?.evidence ?? [], 'queue "emails" (vhost /) messages unacknowledged'), 500);
    });

    it('escalates to critical past 10000 messages', () => {
      const worse = { ...stuck, messagesUnacked: 20_000 };
      assert.equal(
        findingOf(evaluate({ facts: facts({ queues: [worse] }) }), 'unacked-messages-piling-up')?.severity,
        'critical',
      );
    });

    it('stays silent while acks flow or when statistics are off', () => {
      const acking = { ...stuck, ackRate: 50 };
      const unknown = { ...stuck, ackRate: null };
      assert.ok(!fired({ facts: facts({ queues: [acking, unknown] }) }).includes('unacked-messages-piling-up'));
    });

    it('falls back to a growing unacked signal', () => {
      const growing = { last: 900, first: 100, max: 900 };
      assert.ok(
        fired({ signals: { ...healthySignals, messages_unacked: growing } }).includes('unacked-messages-piling-up'),
      );
      const flat = { last: 900, first: 850, max: 900 };
      assert.ok(
        !fired({ signals: { ...healthySignals, messages_unacked: flat } }).includes('unacked-messages-piling-up'),
      );
    });
  });

  describe('memory-alarm', () => {
    it('is critical when the alarm is raised', () => {
      const alarmed = node({ memoryAlarm: true, memoryUsedBytes: 1_050e6 });
      const finding = findingOf(evaluate({ facts: facts({ nodes: [alarmed] }) }), 'memory-alarm');
      assert.equal(finding?.severity, 'critical');
      assert.equal(factValue(finding?.evidence ?? [], 'rabbit@mq-0 memory used bytes'), 1_050e6);
    });

    it('warns near the watermark', () => {
      const finding = findingOf(
        evaluate({ facts: facts({ nodes: [node({ memoryUsedBytes: 950e6 })] }) }),
        'memory-alarm',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /\(95 %\)/);
    });

    it('falls back to signals', () => {
      assert.equal(
        findingOf(evaluate({ signals: { ...healthySignals, memory_alarm: 1 } }), 'memory-alarm')?.severity,
        'critical',
      );
      const near = { ...healthySignals, memory_used: { last: 920e6, limit: 1000e6 } };
      assert.equal(findingOf(evaluate({ signals: near }), 'memory-alarm')?.severity, 'warning');
    });
  });

  describe('disk-alarm', () => {
    it('is critical when the alarm is raised', () => {
      const alarmed = node({ diskFreeAlarm: true, diskFreeBytes: 40e6 });
      const finding = findingOf(evaluate({ facts: facts({ nodes: [alarmed] }) }), 'disk-alarm');
      assert.equal(finding?.severity, 'critical');
      assert.equal(factValue(finding?.evidence ?? [], 'rabbit@mq-0 disk free bytes'), 40e6);
    });

    it('warns when free disk is under twice the limit', () => {
      assert.equal(
        findingOf(evaluate({ facts: facts({ nodes: [node({ diskFreeBytes: 80e6 })] }) }), 'disk-alarm')?.severity,
        'warning',
      );
    });

    it('falls back to signals', () => {
      assert.equal(
        findingOf(evaluate({ signals: { ...healthySignals, disk_alarm: 1 } }), 'disk-alarm')?.severity,
        'critical',
      );
      const low = { ...healthySignals, disk_free: { last: 70e6, limit: 50e6 } };
      assert.equal(findingOf(evaluate({ signals: low }), 'disk-alarm')?.severity, 'warning');
    });
  });

  describe('queue-at-max-length', () => {
    const capped = queue({ name: 'events', messagesReady: 1_000, consumers: 1, maxLength: 1_000 });

    it('is critical when a queue at its limit discards messages', () => {
      const finding = findingOf(evaluate({ facts: facts({ queues: [capped] }) }), 'queue-at-max-length');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding?.explanation ?? '', /oldest messages are silently discarded/);
      assert.equal(factValue(finding?.evidence ?? [], 'queue "events" (vhost /) max length'), '1000 messages');
    });

    it('is a warning when the overflow is dead-lettered, or the queue is only near the limit', () => {
      const deadLettered = { ...capped, deadLetterExchange: 'dlx' };
      assert.equal(
        findingOf(evaluate({ facts: facts({ queues: [deadLettered] }) }), 'queue-at-max-length')?.severity,
        'warning',
      );
      const near = { ...capped, messagesReady: 920 };
      assert.equal(
        findingOf(evaluate({ facts: facts({ queues: [near] }) }), 'queue-at-max-length')?.severity,
        'warning',
      );
    });

    it('explains rejected publishes and checks byte limits too', () => {
      const rejecting = queue({ maxLengthBytes: 1_000_000, bytesReady: 1_000_000, overflow: 'reject-publish' });
      const finding = findingOf(evaluate({ facts: facts({ queues: [rejecting] }) }), 'queue-at-max-length');
      assert.match(finding?.explanation ?? '', /new publishes are refused/);
    });

    it('ignores queues far from their limit', () => {
      assert.ok(
        !fired({ facts: facts({ queues: [{ ...capped, messagesReady: 10 }] }) }).includes('queue-at-max-length'),
      );
    });
  });

  describe('connection-churn', () => {
    it('fires on a high connection opening rate, escalating past 100/s', () => {
      const churning = facts({ connectionsOpenedPerSecond: 25, connectionsClosedPerSecond: 24 });
      const finding = findingOf(evaluate({ facts: churning }), 'connection-churn');
      assert.equal(finding?.severity, 'warning');
      assert.equal(factValue(finding?.evidence ?? [], 'connections opened per second'), 25);
      const storm = facts({ connectionsOpenedPerSecond: 300 });
      assert.equal(findingOf(evaluate({ facts: storm }), 'connection-churn')?.severity, 'critical');
    });

    it('falls back to the mean of the signal, ignoring a short burst', () => {
      const sustained = { last: 30, mean: 30, max: 40 };
      assert.ok(
        fired({ signals: { ...healthySignals, connections_opened_rate: sustained } }).includes('connection-churn'),
      );
      const burst = { last: 2, mean: 3, max: 80 };
      assert.ok(
        !fired({ signals: { ...healthySignals, connections_opened_rate: burst } }).includes('connection-churn'),
      );
    });
  });

  describe('file-descriptors-near-limit', () => {
    it('fires near the descriptor or socket limit, escalating near exhaustion', () => {
      const finding = findingOf(
        evaluate({ facts: facts({ nodes: [node({ fileDescriptorsUsed: 8_500 })] }) }),
        'file-descriptors-near-limit',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding?.explanation ?? '', /8500 of 10000 file descriptors/);
      const sockets = node({ socketsUsed: 8_800, socketsLimit: 9_000 });
      assert.equal(
        findingOf(evaluate({ facts: facts({ nodes: [sockets] }) }), 'file-descriptors-near-limit')?.severity,
        'critical',
      );
    });

    it('ignores unknown counts and falls back to signals', () => {
      const unknown = node({ fileDescriptorsUsed: null, socketsUsed: null });
      assert.ok(!fired({ facts: facts({ nodes: [unknown] }) }).includes('file-descriptors-near-limit'));
      const near = { ...healthySignals, file_descriptors: { last: 9_700, limit: 10_000 } };
      assert.equal(findingOf(evaluate({ signals: near }), 'file-descriptors-near-limit')?.severity, 'critical');
    });
  });

  it('network-partition fires when a node reports partitioned peers', () => {
    const split = node({ partitionedFrom: ['rabbit@mq-1'] });
    const finding = findingOf(
      evaluate({ facts: facts({ nodes: [split, node({ name: 'rabbit@mq-1' })] }) }),
      'network-partition',
    );
    assert.equal(finding?.severity, 'critical');
    assert.equal(factValue(finding?.evidence ?? [], 'rabbit@mq-0 partitioned from'), 'rabbit@mq-1');
  });

  it('cluster-node-down fires when a node is not running', () => {
    const finding = findingOf(
      evaluate({ facts: facts({ nodes: [node(), node({ name: 'rabbit@mq-2', running: false })] }) }),
      'cluster-node-down',
    );
    assert.match(finding?.explanation ?? '', /1 of 2 cluster nodes are not running \(rabbit@mq-2\)/);
  });

  describe('client-heartbeat-timeouts', () => {
    const line = {
      timestamp: '2026-01-01T00:00:00Z',
      level: 'error',
      message: 'missed heartbeats from client, timeout: 60s',
    };

    it('fires on missed heartbeats in the logs, with the lines as evidence', () => {
      const logs = { notable: { 'missed-heartbeats': { count: 3, sample: [line] } } };
      const finding = findingOf(evaluate({ logs }), 'client-heartbeat-timeouts');
      assert.deepEqual(finding?.evidence, [{ kind: 'log', pattern: 'missed-heartbeats', lines: [line], count: 3 }]);
    });

    it('concludes nothing when logs are unavailable', () => {
      const logs = { available: false, notable: { 'missed-heartbeats': { count: 3, sample: [line] } } };
      assert.ok(!fired({ logs }).includes('client-heartbeat-timeouts'));
    });
  });
});

describe('rabbitmq log patterns', () => {
  const matches = (id: string, message: string) => matchesLogPattern(plugin, id, message);

  it('match real RabbitMQ 3.x lines', () => {
    const closing =
      "[info] <0.866.0> closing AMQP connection <0.866.0> (127.0.0.1:37006 -> 127.0.0.1:25672, vhost: '/', user: 'app')";
    assert.ok(matches('closing-connection', closing));
    assert.ok(
      matches(
        'missed-heartbeats',
        '[error] <0.1.0> closing AMQP connection <0.1.0> (10.0.0.9:4000 -> 10.0.0.2:5672):\nmissed heartbeats from client, timeout: 60s',
      ),
    );
    assert.ok(matches('memory-alarm-set', '[warning] <0.2.0> memory resource limit alarm set on node rabbit@mq-0.'));
    assert.ok(
      !matches('memory-alarm-set', '[warning] <0.2.0> memory resource limit alarm cleared on node rabbit@mq-0'),
    );
  });
});

describe('rabbitmq connector', () => {
  it('guesses no login: without a configured management URL there is none', () => {
    assert.equal(plugin.connector.defaultUrl('10.0.0.5:5672'), undefined);
  });
});
