import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASELINE,
  CURRENT,
  maskMessage,
  type PatternCluster,
  TemplateMiner,
  type WindowIndex,
} from '../../src/logs/index.ts';
import { seededRandom } from './synthetic.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

/** Mines `messages` into the current window, one second apart; returns the cluster of each line. */
function mine(miner: TemplateMiner, messages: readonly string[], window: WindowIndex = CURRENT): PatternCluster[] {
  return messages.map((message, i) => miner.add(window, { timestamp: T0 + i * 1000, level: 'info', message }));
}

describe('maskMessage', () => {
  it('masks each kind of variable part', () => {
    const cases: Array<[string, string]> = [
      ['pid 4123 exited', 'pid <*> exited'],
      ['at 0x7f3a2c and digest 5843d8475120241667a7ce0f', 'at <*> and digest <*>'],
      ['from 10.1.2.3 and 10.1.2.3:5432 and 10.0.0.0/8', 'from <*> and <*> and <*>'],
      ['from [::1]:5432, fe80::1ff:fe23:4567:890a and 2001:db8:85a3:0:0:8a2e:370:7334', 'from <*>, <*> and <*>'],
      ['request 550e8400-e29b-41d4-a716-446655440000 done', 'request <*> done'],
      ['took 12ms, then 3.5s, then 706.54 ms; used 40mb', 'took <*>, then <*>, then <*>; used <*>'],
      ['2026-11-25 10:01:38.545 UTC [18667] LOG:  x', '<*> [<*>] LOG: x'],
      ['[2026-11-25T10:05:14,131][INFO ] x', '[<*>][INFO ] x'],
      ['2026-11-25  9:17:49 0 [Note] x', '<*> <*> [Note] x'],
      ['23889:M 25 Nov 2026 10:05:02.052 * x', '<*>:M <*> * x'],
      ['Mar  3 10:01:38 host sshd: x at 10:01:38', '<*> host sshd: x at <*>'],
      ["db: 'shop' user: \"app\" said it can't", "db: <*> user: <*> said it can't"],
      ['mail bob.smith@example.com now', 'mail <*> now'],
      ['host=10.1.2.3 port=53422 mode=standalone, name="a b"', 'host=<*> port=<*> mode=<*>, name=<*>'],
      ['open /var/lib/postgresql/15/main/base failed, I/O error', 'open <*> failed, I/O error'],
      ['GET http://10.0.0.1:9200/_bulk?x=1 ok', 'GET <*> ok'],
    ];
    for (const [line, masked] of cases) assert.equal(maskMessage(line).replace(/\s+/g, ' '), masked, line);
  });

  it('leaves words alone, even hex-looking ones, and keeps JSON keys', () => {
    assert.equal(maskMessage('deadbeef cafe x86_64 std::string v2'), 'deadbeef cafe x86_64 std::string v2');
    assert.equal(maskMessage('{"level":"error","count":3}'), '{"level":<*>,"count":<*>}');
  });
});

describe('TemplateMiner', () => {
  it('merges variants of one message into one pattern, with <*> where the values differ', () => {
    const miner = new TemplateMiner();
    const groups: Array<{ lines: string[]; template: string }> = [
      {
        // PostgreSQL: masked values only.
        lines: [
          '2026-03-02 10:00:01.101 UTC [3141] LOG:  connection received: host=10.1.2.3 port=53422',
          '2026-03-02 10:00:02.734 UTC [3177] LOG:  connection received: host=10.1.2.44 port=40118',
        ],
        template: '<*> [<*>] LOG: connection received: host=<*> port=<*>',
      },
      {
        lines: [
          "2026-03-02 10:00:03 1234 [Warning] Aborted connection 1234 to db: 'shop' user: 'app' host: '10.0.0.7' (Got timeout reading communication packets)",
          "2026-03-02 10:00:09 1240 [Warning] Aborted connection 1240 to db: 'billing' user: 'batch' host: '10.0.0.9' (Got timeout reading communication packets)",
        ],
        template:
          '<*> <*> [Warning] Aborted connection <*> to db: <*> user: <*> host: <*> (Got timeout reading communication packets)',
      },
      {
        lines: [
          '4123:M 02 Mar 2026 10:00:04.052 * Background saving started by pid 4123',
          '4377:M 02 Mar 2026 10:05:04.101 * Background saving started by pid 4377',
        ],
        template: '<*>:M <*> * Background saving started by pid <*>',
      },
      {
        // Kafka: the topic names are words, not masked values: the template generalises them.
        lines: [
          '[2026-03-02 10:00:05,094] INFO [Partition orders-0 broker=1] Log loaded for partition orders-0 with initial high watermark 1200 (kafka.cluster.Partition)',
          '[2026-03-02 10:00:05,311] INFO [Partition payments-3 broker=1] Log loaded for partition payments-3 with initial high watermark 0 (kafka.cluster.Partition)',
          '[2026-03-02 10:00:05,377] INFO [Partition audit-1 broker=1] Log loaded for partition audit-1 with initial high watermark 88 (kafka.cluster.Partition)',
        ],
        template:
          '[<*>] INFO [Partition <*> broker=<*>] Log loaded for partition <*> with initial high watermark <*> (kafka.cluster.Partition)',
      },
      {
        // RabbitMQ: the user name is a word the template generalises.
        lines: [
          '2026-03-02 10:00:06.937518+00:00 [warning] <0.1234.0> HTTP access denied: user alice - invalid credentials',
          '2026-03-02 10:00:07.001002+00:00 [warning] <0.1301.0> HTTP access denied: user mallory - invalid credentials',
        ],
        template: '<*> [warning] <<*>> HTTP access denied: user <*> - invalid credentials',
      },
      {
        lines: [
          '[2026-03-02T10:00:08,131][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es-1] high disk watermark [90%] exceeded on [Xk2aQ][es-1][/data/es/nodes/0] free: 4.1gb[8.2%], shards will be relocated away from this node',
          '[2026-03-02T10:00:38,131][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es-1] high disk watermark [90%] exceeded on [Xk2aQ][es-1][/data/es/nodes/0] free: 3.9gb[7.8%], shards will be relocated away from this node',
        ],
        template:
          '[<*>][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es-<*>] high disk watermark [<*>] exceeded on [Xk2aQ][es-<*>][<*>] free: <*>[<*>], shards will be relocated away from this node',
      },
    ];
    for (const group of groups) {
      const clusters = mine(miner, group.lines);
      const first = clusters[0];
      assert.ok(first);
      for (const cluster of clusters) assert.equal(cluster.id, first.id, group.lines[0]);
      assert.equal(first.template, group.template);
      assert.equal(first.counts[CURRENT], group.lines.length);
    }
    assert.equal(miner.size, groups.length);
  });

  it('keeps different messages apart, even when they share a header', () => {
    const lines = [
      '2026-03-02 10:00:01.545 UTC [18667] LOG:  received fast shutdown request',
      '2026-03-02 10:00:01.545 UTC [18667] LOG:  aborting any active transactions',
      '2026-03-02 10:00:01.549 UTC [18721] LOG:  shutting down',
      '2026-03-02 10:00:01.550 UTC [18721] LOG:  checkpoint starting: shutdown immediate',
      '2026-03-02 10:00:02.001 UTC [3141] FATAL:  sorry, too many clients already',
      '2026-03-02 10:00:02.001 UTC [3141] FATAL:  the database system is shutting down',
      '2026-03-02 10:00:02.001 UTC [3141] ERROR:  deadlock detected',
      '2026-03-02 10:00:02.001 UTC [3141] ERROR:  canceling statement due to user request',
      '2026-03-02 10:00:03 0 [Note] InnoDB: Using io_uring',
      '2026-03-02 10:00:03 0 [Note] InnoDB: Starting shutdown...',
      '2026-03-02 10:00:03 0 [Note] InnoDB: Completed initialization of buffer pool',
      '2026-03-02 10:00:03 0 [Note] InnoDB: FTS optimize thread exiting.',
      '4123:M 02 Mar 2026 10:00:04.052 * DB saved on disk',
      '4123:M 02 Mar 2026 10:00:04.052 * Ready to accept connections',
      '4123:M 02 Mar 2026 10:00:04.052 # Server initialized',
      '4123:M 02 Mar 2026 10:00:04.052 # Configuration loaded',
      '4123:M 02 Mar 2026 10:00:04.060 # OOM command not allowed when used memory > maxmemory',
      '2026-03-02 10:00:05.1+00:00 [info] <0.223.0> Running boot step rabbit_memory_monitor defined by app rabbit',
      '2026-03-02 10:00:05.1+00:00 [warning] <0.223.0> memory resource limit alarm set on node rabbit@mq-1',
      '2026-03-02 10:00:05.1+00:00 [error] <0.881.0> closing AMQP connection <0.881.0> (10.0.0.5:53422 -> 10.0.0.2:5672, vhost: /, user: app):',
      '[2026-03-02 10:00:06,001] INFO [ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] Shutting down (kafka.server.ReplicaFetcherThread)',
      '[2026-03-02 10:00:06,001] WARN [ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] Error in response for fetch request (kafka.server.ReplicaFetcherThread)',
      '[2026-03-02 10:00:06,001] ERROR [KafkaApi-1] Number of alive brokers 1 does not meet the required replication factor 3 (kafka.server.KafkaApis)',
      '[2026-03-02T10:00:07,001][INFO ][o.e.n.Node               ] [es-1] started',
      '[2026-03-02T10:00:07,001][INFO ][o.e.n.Node               ] [es-1] stopping',
      '[2026-03-02T10:00:07,001][WARN ][o.e.m.j.JvmGcMonitorService] [es-1] [gc][1234] overhead, spent [1.2s] collecting in the last [1.5s]',
    ];
    const miner = new TemplateMiner();
    const ids = new Set(mine(miner, lines).map((cluster) => cluster.id));
    assert.equal(ids.size, lines.length, [...miner.clusters].map((cluster) => cluster.template).join('\n'));
  });

  it('keeps a pattern’s id while its template generalises, across both windows', () => {
    const miner = new TemplateMiner();
    const [first] = mine(miner, ['login failed for alice from web'], BASELINE);
    assert.ok(first);
    const id = first.id;
    const template = first.template;
    const [second] = mine(miner, ['login failed for bob from web'], CURRENT);
    assert.equal(second?.id, id);
    assert.equal(second?.template, 'login failed for <*> from web');
    assert.notEqual(second?.template, template);
    assert.deepEqual([...first.counts], [1, 1]);
    assert.deepEqual([...miner.lines], [1, 1]);
    // The same first line in a new miner gives the same id: ids are comparable between runs.
    assert.equal(mine(new TemplateMiner(), ['login failed for alice from web'])[0]?.id, id);
  });

  it('counts levels per window, keeps first / last seen and at most three samples per window', () => {
    const miner = new TemplateMiner({ current: { from: T0, to: T0 + 60_000 }, buckets: 6 });
    const levels = ['ERROR', 'err', 'FATAL', 'WARNING', 'info'];
    for (const [i, level] of levels.entries()) {
      miner.add(CURRENT, { timestamp: T0 + 5_000 + i * 10_000, level, message: `job ${i} failed` });
    }
    miner.add(BASELINE, { timestamp: T0 - 60_000, level: 'error', message: 'job 9 failed' });
    const [cluster] = [...miner.clusters];
    assert.ok(cluster);
    assert.deepEqual([...cluster.levels[CURRENT]], [3, 1, 1, 0, 0]);
    assert.deepEqual([...cluster.levels[BASELINE]], [1, 0, 0, 0, 0]);
    assert.equal(cluster.firstSeen, T0 + 5_000);
    assert.equal(cluster.lastSeen, T0 + 45_000);
    assert.equal(cluster.samples[CURRENT].length, 3);
    assert.equal(cluster.samples[BASELINE].length, 1);
    assert.equal(cluster.samples[CURRENT][0]?.message, 'job 0 failed');
    assert.deepEqual([...(cluster.buckets ?? [])], [1, 1, 1, 1, 1, 0]);
    assert.deepEqual([...(miner.errorBuckets ?? [])], [1, 1, 1, 0, 0, 0]);
  });

  it('cuts long lines to the character and token caps', () => {
    const miner = new TemplateMiner({ maxChars: 100, maxTokens: 10 });
    const long = `${'word '.repeat(50)}tail`;
    const [cluster] = mine(miner, [long, `${'word '.repeat(60)}other`]);
    assert.equal(cluster?.template, `${'word '.repeat(9)}<*>`);
    assert.equal(cluster?.counts[CURRENT], 2);
    assert.equal(miner.truncated, 2);
    assert.ok((cluster?.samples[CURRENT][0]?.message.length ?? 0) <= miner.options.sampleChars);
  });

  it('stays within its caps on 100 000 mostly distinct random lines, and reports evictions', () => {
    const maxClusters = 500;
    const miner = new TemplateMiner({ maxClusters, maxChildren: 20 });
    const next = seededRandom(42);
    const word = () =>
      Math.floor(next() * 2 ** 32)
        .toString(36)
        .replace(/\d/g, 'x');
    const templates = ['checkpoint complete after', 'connection received from', 'slow query on table'];
    let distinct = 0;
    for (let i = 0; i < 100_000; i += 1) {
      let message: string;
      if (i % 4 === 0) message = `${templates[i % 3]} ${Math.floor(next() * 1000)}`;
      else {
        distinct += 1;
        message = Array.from({ length: 2 + Math.floor(next() * 12) }, word).join(' ');
      }
      miner.add(i % 2 === 0 ? BASELINE : CURRENT, { timestamp: T0 + i, level: 'info', message });
      assert.ok(miner.size <= maxClusters);
    }
    assert.ok(distinct > 70_000);
    assert.ok(miner.evicted > 50_000, `evicted ${miner.evicted}`);
    assert.equal((miner.lines[BASELINE] ?? 0) + (miner.lines[CURRENT] ?? 0), 100_000);
    // The frequent patterns survive the flood of one-off lines.
    const templatesLeft = new Set([...miner.clusters].map((cluster) => cluster.template));
    for (const template of templates) assert.ok(templatesLeft.has(`${template} <*>`), template);
  });

  it('remembers that an evicted pattern had baseline lines, so that its return is not news', () => {
    const miner = new TemplateMiner({ maxClusters: 2 });
    const [first] = mine(miner, ['replication lag too high on replica 3'], BASELINE);
    mine(miner, ['vacuum finished for table orders', 'checkpoint complete after 12 s'], BASELINE);
    assert.ok(first && ![...miner.clusters].some((cluster) => cluster.id === first.id));
    const [again] = mine(miner, ['replication lag too high on replica 7']);
    assert.equal(again?.id, first.id);
    assert.equal(again?.counts[BASELINE], 0);
    assert.equal(again?.baselineForgotten, true);
    assert.equal(mine(miner, ['disk full on /dev/sda1'])[0]?.baselineForgotten, false);
  });

  it('evicts the least recently seen cluster first', () => {
    const miner = new TemplateMiner({ maxClusters: 3 });
    const [a, b] = mine(miner, ['alpha one', 'beta two three', 'gamma four five six']);
    mine(miner, ['alpha one']); // a is now more recent than b
    mine(miner, ['delta seven eight nine ten']);
    const live = new Set([...miner.clusters].map((cluster) => cluster.id));
    assert.equal(miner.evicted, 1);
    assert.ok(a && live.has(a.id));
    assert.ok(b && !live.has(b.id));
  });
});
