import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logs } from '../../src/logs.ts';

/** Lines as Redis 6–7 (or its clients, for error replies) write them. */
const samples: Record<string, string> = {
  'oom-command-not-allowed': "OOM command not allowed when used memory > 'maxmemory'.",
  'persistence-error': '1207:M 25 Nov 2026 07:14:01.123 # Background saving error',
  'fork-failed': "1207:M 25 Nov 2026 07:14:01.123 # Can't save in background: fork: Cannot allocate memory",
  // From the Redis 7.0.15 of the local stack.
  'overcommit-memory-warning':
    '28626:M 25 Nov 2026 07:26:24.291 # WARNING Memory overcommit must be enabled! Without it, a background save ' +
    'or replication may fail under low memory condition.',
  'aof-fsync-slow':
    '1207:M 25 Nov 2026 07:14:01.123 * Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF ' +
    'buffer without waiting for fsync to complete, this may slow down Redis.',
  'master-link-lost': '1208:S 25 Nov 2026 07:14:01.123 # Connection with master lost.',
  'replica-sync-failed':
    '1208:S 25 Nov 2026 07:14:01.123 # MASTER aborted replication with an error: NOAUTH Authentication required.',
  'output-buffer-limit':
    '1207:M 25 Nov 2026 07:14:01.123 # Client id=42 addr=10.0.0.7:50412 laddr=10.0.0.5:6379 fd=12 name= ' +
    'scheduled to be closed ASAP for overcoming of output buffer limits.',
  'max-clients-reached': 'ERR max number of clients reached',
};

test('each notable pattern matches its real line and no other pattern does', () => {
  assert.deepEqual(Object.keys(samples).sort(), logs.notable.map((pattern) => pattern.id).sort());
  for (const [id, line] of Object.entries(samples)) {
    const matching = logs.notable.filter((pattern) => new RegExp(pattern.pattern, 'i').test(line));
    assert.deepEqual(
      matching.map((pattern) => pattern.id),
      [id],
      line,
    );
  }
});

test('ordinary startup lines match nothing', () => {
  for (const line of [
    '28626:M 25 Nov 2026 07:26:24.291 * Ready to accept connections',
    '28626:M 25 Nov 2026 07:26:24.291 * DB loaded from disk: 0.000 seconds',
    '1208:S 25 Nov 2026 07:14:01.123 * MASTER <-> REPLICA sync: Finished with success',
  ]) {
    assert.equal(logs.notable.filter((pattern) => new RegExp(pattern.pattern, 'i').test(line)).length, 0, line);
  }
});
