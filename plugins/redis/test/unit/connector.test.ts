import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { instanceRef } from '@kubestack/plugin-sdk/testkit';
import {
  connector,
  elideArguments,
  parseConfig,
  parseInfo,
  parseSlowlog,
  summarizeClientList,
} from '../../src/connector.ts';

/** `INFO all` of the Redis 7.0.15 in the local stack, stored with LF and given CRLF line ends as on the wire. */
const info70 = readFileSync(new URL('./fixtures/info-redis-7.0.txt', import.meta.url), 'utf8').replaceAll('\n', '\r\n');

describe('parseInfo', () => {
  test('reads the fields the rules use from a real Redis 7.0 INFO', () => {
    const facts = parseInfo(info70);
    assert.deepEqual(facts.server, { version: '7.0.15', role: 'master', uptimeSeconds: 33 });
    assert.equal(facts.memory.usedBytes, 1_089_056);
    assert.equal(facts.memory.rssBytes, 12_312_576);
    assert.equal(facts.memory.fragmentationRatio, 11.74);
    assert.equal(facts.memory.maxmemoryBytes, 256 * 1024 ** 2);
    assert.equal(facts.memory.maxmemoryPolicy, 'noeviction');
    assert.equal(facts.memory.systemMemoryBytes, 25_276_502_016);
    assert.equal(facts.memory.evictedKeys, 0);
    assert.deepEqual(facts.clients, { connected: 1, blocked: 0, maxclients: 10_000, rejectedConnections: 0 });
    assert.equal(facts.persistence.rdbLastBgsaveStatus, 'ok');
    assert.equal(facts.persistence.aofEnabled, false);
    assert.deepEqual(facts.replication, {
      masterAddress: undefined,
      masterLinkStatus: undefined,
      masterLinkDownSinceSeconds: undefined,
    });
  });

  test('reads a replica whose link is down', () => {
    const replica = info70.replace(
      'role:master\r\nconnected_slaves:0\r\n',
      'role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\nmaster_link_status:down\r\n' +
        'master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\nmaster_link_down_since_seconds:42\r\n' +
        'connected_slaves:0\r\n',
    );
    const facts = parseInfo(replica);
    assert.equal(facts.server.role, 'replica');
    assert.deepEqual(facts.replication, {
      masterAddress: '10.0.0.5:6379',
      masterLinkStatus: 'down',
      masterLinkDownSinceSeconds: 42,
    });
  });

  test('leaves out what an older server does not report, and rejects a reply that is not INFO', () => {
    const old = info70.replace(/^(maxclients|maxmemory|maxmemory_policy|total_system_memory):.*\r\n/gm, '');
    const facts = parseInfo(old);
    assert.equal(facts.clients.maxclients, undefined);
    assert.equal(facts.memory.maxmemoryBytes, undefined);
    assert.equal(facts.memory.maxmemoryPolicy, undefined);
    assert.throws(() => parseInfo('OK'), /INFO has no redis_version/);
    assert.throws(() => parseInfo(info70.replace(/^used_memory:.*$/m, 'used_memory:abc')), /numeric used_memory/);
  });
});

describe('parseConfig', () => {
  const replies = [
    ['maxmemory', '268435456'],
    ['maxmemory-policy', 'noeviction'],
    ['maxclients', '10000'],
    ['save', '300 10'],
    ['appendonly', 'no'],
    ['slowlog-log-slower-than', '10000'],
  ];

  test('reads one CONFIG GET reply per parameter', () => {
    assert.deepEqual(parseConfig(replies), {
      maxmemoryBytes: 268_435_456,
      maxmemoryPolicy: 'noeviction',
      maxclients: 10_000,
      save: '300 10',
      appendonly: false,
      slowlogLogSlowerThanMicros: 10_000,
    });
  });

  test('rejects a parameter the server does not know', () => {
    assert.throws(() => parseConfig([...replies.slice(0, 2), [], ...replies.slice(3)]), /CONFIG GET maxclients/);
  });
});

describe('parseSlowlog', () => {
  test('keeps id, time and duration, and no argument', () => {
    const reply = [
      [14, 1_764_054_000, 35_210, ['EVAL', 'return redis.call("GET", "user:42:token")', '0'], '127.0.0.1:50412', ''],
      [13, 1_764_053_990, 12, ['set', 'session:9f2c', 'secret-value'], '127.0.0.1:50410', 'web'],
      [12, 1_764_053_980, 8, ['PING'], '127.0.0.1:50410', 'web'],
    ];
    assert.deepEqual(parseSlowlog(reply), [
      { id: 14, time: 1_764_054_000, durationMicros: 35_210, command: 'EVAL [2 args]' },
      { id: 13, time: 1_764_053_990, durationMicros: 12, command: 'SET [2 args]' },
      { id: 12, time: 1_764_053_980, durationMicros: 8, command: 'PING' },
    ]);
    assert.doesNotMatch(JSON.stringify(parseSlowlog(reply)), /user:42|session|secret|127\.0\.0\.1|web/);
  });

  test('rejects a malformed reply', () => {
    assert.throws(() => parseSlowlog('ERR'), /did not return a list/);
    assert.throws(() => parseSlowlog([[1, 2, 3]]), /malformed entry/);
  });
});

describe('elideArguments', () => {
  test("counts the arguments Redis cut from a long command, and truncates a name that isn't one", () => {
    const argv = ['DEL', ...Array.from({ length: 31 }, (_, index) => `k${index}`), '... (69 more arguments)'];
    assert.equal(elideArguments(argv), 'DEL [100 args]');
    assert.equal(elideArguments(['get', 'k']), 'GET [1 arg]');
    assert.equal(elideArguments(['x'.repeat(100)]), 'X'.repeat(32));
  });
});

describe('summarizeClientList', () => {
  test('counts clients, blocked and idle ones, and the biggest output buffer', () => {
    const list = [
      'id=3 addr=127.0.0.1:50402 laddr=127.0.0.1:16379 fd=8 name= age=910 idle=0 flags=N db=0 sub=0 psub=0 ' +
        'ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 ' +
        'tot-mem=22298 events=r cmd=client|list user=default redir=-1 resp=2',
      'id=7 addr=127.0.0.1:50410 laddr=127.0.0.1:16379 fd=9 name=worker age=600 idle=600 flags=b db=0 sub=0 ' +
        'psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 ' +
        'tot-mem=1800 events=r cmd=blpop user=default redir=-1 resp=2',
      'id=9 addr=127.0.0.1:50420 laddr=127.0.0.1:16379 fd=10 name= age=400 idle=301 flags=P db=0 sub=1 psub=0 ' +
        'ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=12 omem=245760 ' +
        'tot-mem=250000 events=rw cmd=subscribe user=default redir=-1 resp=2',
      '',
    ].join('\n');
    assert.deepEqual(summarizeClientList(list), {
      count: 3,
      blocked: 1,
      idleOver300s: 2,
      biggestOutputBufferBytes: 245_760,
    });
  });
});

describe('connector', () => {
  test('builds the default URL from the address', () => {
    assert.equal(connector.defaultUrl('10.0.0.5:6379'), 'redis://10.0.0.5:6379');
  });

  test('rejects an unusable URL naming Redis and the instance', async () => {
    const target = { instance: instanceRef({ id: 'redis' }, '10.0.0.5:6379'), url: 'not a url' };
    await assert.rejects(connector.collect(target, { timeoutMs: 100 }), {
      message: /^Redis 10\.0\.0\.5:6379: invalid connection URL: /,
    });
  });
});
