/** Where Redis logs are in Elasticsearch and which lines matter. Patterns follow Redis 6–7 wording. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'redis',
  notable: [
    {
      id: 'oom-command-not-allowed',
      // An error reply, so it shows up where clients log it (and in proxies), not in redis.log itself.
      pattern: 'OOM command not allowed',
      meaning: 'Writes are refused: used memory reached maxmemory under noeviction (or nothing evictable).',
    },
    {
      id: 'persistence-error',
      pattern:
        'Background saving error|Background AOF rewrite terminated with error|MISCONF Redis is configured to save',
      meaning:
        'A snapshot or AOF rewrite failed; with stop-writes-on-bgsave-error the server refuses writes (MISCONF).',
    },
    {
      id: 'fork-failed',
      pattern: "Can't save in background: fork|Can't rewrite append only file in background: fork",
      meaning: 'fork() failed, usually for lack of memory (overcommit_memory=0): no snapshot or AOF rewrite happens.',
    },
    {
      id: 'overcommit-memory-warning',
      // Redis 7 words it "Memory overcommit must be enabled!", older versions "overcommit_memory is set to 0".
      pattern: 'WARNING Memory overcommit must be enabled|WARNING overcommit_memory is set to 0',
      meaning: 'vm.overcommit_memory=0: background saves may fail under memory pressure; set it to 1.',
    },
    {
      id: 'aof-fsync-slow',
      pattern: 'Asynchronous AOF fsync is taking too long',
      meaning: 'The disk cannot keep up with AOF fsync; Redis delays writes and latency rises.',
    },
    {
      id: 'master-link-lost',
      pattern: 'Connection with master lost',
      meaning: 'A replica lost its master: it serves stale data until it resynchronises.',
    },
    {
      id: 'replica-sync-failed',
      pattern:
        'Error condition on socket for SYNC|Timeout connecting to the MASTER|MASTER timeout: no data nor PING received|' +
        'MASTER aborted replication|Failed trying to load the MASTER synchronization',
      meaning: 'MASTER <-> REPLICA synchronisation failed: the replica stays out of date and retries full syncs.',
    },
    {
      id: 'output-buffer-limit',
      // Logged as "closed for …" or, when the close is deferred, "scheduled to be closed ASAP for …".
      pattern: 'closed (ASAP )?for overcoming of output buffer limits',
      meaning:
        'A client (often a replica or a slow pub/sub subscriber) was disconnected for not reading its replies fast enough.',
    },
    {
      id: 'max-clients-reached',
      // Also an error reply: it shows up in client-side logs.
      pattern: 'max number of clients reached',
      meaning: 'New connections are refused at maxclients.',
    },
  ],
};
