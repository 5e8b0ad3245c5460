/**
 * Facts read directly from Redis, and the read-only connector that collects them: INFO, CONFIG GET,
 * SLOWLOG and CLIENT LIST in one pipelined round trip. Parsing is pure and kept apart from the I/O.
 */
import { type ConnectionTarget, type Connector, messageOf, redactUrl } from '@kubestack/plugin-sdk';
import { Redis } from 'ioredis';

export interface SlowlogEntry {
  id: number;
  /** Unix time, in seconds, when the command ran. */
  time: number;
  durationMicros: number;
  /** The command name with its arguments elided, e.g. `SET [2 args]`, so no key or value leaks. */
  command: string;
}

export interface Facts {
  server: { version: string; role: 'master' | 'replica'; uptimeSeconds: number };
  memory: {
    usedBytes: number;
    rssBytes: number;
    /** RSS / used; absent when Redis reports none (right after start). */
    fragmentationRatio?: number;
    /** 0 means no limit. From INFO (Redis ≥ 4) or CONFIG. */
    maxmemoryBytes?: number;
    maxmemoryPolicy?: string;
    /** Host (not cgroup) memory; 0 when Redis cannot tell. */
    systemMemoryBytes?: number;
    /** Since start. */
    evictedKeys: number;
  };
  clients: {
    connected: number;
    blocked: number;
    /** From INFO (Redis ≥ 7) or CONFIG. */
    maxclients?: number;
    /** Since start. */
    rejectedConnections: number;
  };
  persistence: {
    rdbLastBgsaveStatus: string;
    rdbChangesSinceLastSave: number;
    aofEnabled: boolean;
    aofLastWriteStatus: string;
    aofLastBgrewriteStatus: string;
  };
  /** On a replica only: `host:port` of its master, and whether the link is up. */
  replication: {
    masterAddress?: string;
    masterLinkStatus?: string;
    masterLinkDownSinceSeconds?: number;
  };
  config?: {
    maxmemoryBytes: number;
    maxmemoryPolicy: string;
    maxclients: number;
    /** RDB snapshot schedule, e.g. `3600 1 300 100`; empty when snapshots are off. */
    save: string;
    appendonly: boolean;
    slowlogLogSlowerThanMicros: number;
  };
  /** The 10 most recent entries, newest first. */
  slowlog?: { length: number; recent: SlowlogEntry[] };
  clientList?: { count: number; blocked: number; idleOver300s: number; biggestOutputBufferBytes: number };
  /** Why a group of facts is missing, e.g. CONFIG renamed away or forbidden by an ACL. */
  unavailable: Partial<Record<'config' | 'slowlog' | 'clientList', string>>;
}

type InfoFacts = Omit<Facts, 'config' | 'slowlog' | 'clientList' | 'unavailable'>;

/** Parses the text of `INFO` into the facts the rules use. Throws when a field every Redis reports is missing. */
export function parseInfo(text: string): InfoFacts {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const requiredText = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`INFO has no ${name}`);
    return value;
  };
  const optionalNumber = (name: string): number | undefined => {
    const value = Number(fields.get(name));
    return fields.has(name) && Number.isFinite(value) ? value : undefined;
  };
  const requiredNumber = (name: string): number => {
    const value = optionalNumber(name);
    if (value === undefined) throw new Error(`INFO has no numeric ${name}`);
    return value;
  };
  const masterHost = fields.get('master_host');
  return {
    server: {
      version: requiredText('redis_version'),
      role: requiredText('role') === 'master' ? 'master' : 'replica',
      uptimeSeconds: requiredNumber('uptime_in_seconds'),
    },
    memory: {
      usedBytes: requiredNumber('used_memory'),
      rssBytes: requiredNumber('used_memory_rss'),
      fragmentationRatio: optionalNumber('mem_fragmentation_ratio'),
      maxmemoryBytes: optionalNumber('maxmemory'),
      maxmemoryPolicy: fields.get('maxmemory_policy'),
      systemMemoryBytes: optionalNumber('total_system_memory'),
      evictedKeys: requiredNumber('evicted_keys'),
    },
    clients: {
      connected: requiredNumber('connected_clients'),
      blocked: requiredNumber('blocked_clients'),
      maxclients: optionalNumber('maxclients'),
      rejectedConnections: requiredNumber('rejected_connections'),
    },
    persistence: {
      rdbLastBgsaveStatus: requiredText('rdb_last_bgsave_status'),
      rdbChangesSinceLastSave: requiredNumber('rdb_changes_since_last_save'),
      aofEnabled: fields.get('aof_enabled') === '1',
      aofLastWriteStatus: requiredText('aof_last_write_status'),
      aofLastBgrewriteStatus: requiredText('aof_last_bgrewrite_status'),
    },
    replication: {
      masterAddress: masterHost === undefined ? undefined : `${masterHost}:${fields.get('master_port') ?? ''}`,
      masterLinkStatus: fields.get('master_link_status'),
      masterLinkDownSinceSeconds: optionalNumber('master_link_down_since_seconds'),
    },
  };
}

const CONFIG_PARAMETERS = [
  'maxmemory',
  'maxmemory-policy',
  'maxclients',
  'save',
  'appendonly',
  'slowlog-log-slower-than',
] as const;

/** Builds the config facts from the replies of one `CONFIG GET <name>` per parameter, in CONFIG_PARAMETERS order. */
export function parseConfig(replies: readonly unknown[]): NonNullable<Facts['config']> {
  const values = new Map<string, string>();
  for (const reply of replies) {
    // RESP2 answers a flat [name, value, …] list; an unknown parameter gives an empty one.
    if (!Array.isArray(reply)) continue;
    for (let index = 0; index + 1 < reply.length; index += 2)
      values.set(String(reply[index]), String(reply[index + 1]));
  }
  const value = (name: (typeof CONFIG_PARAMETERS)[number]): string => {
    const found = values.get(name);
    if (found === undefined) throw new Error(`CONFIG GET ${name} returned nothing`);
    return found;
  };
  const number = (name: (typeof CONFIG_PARAMETERS)[number]): number => {
    const parsed = Number(value(name));
    if (!Number.isFinite(parsed)) throw new Error(`CONFIG GET ${name} is not a number`);
    return parsed;
  };
  return {
    maxmemoryBytes: number('maxmemory'),
    maxmemoryPolicy: value('maxmemory-policy'),
    maxclients: number('maxclients'),
    save: value('save'),
    appendonly: value('appendonly') === 'yes',
    slowlogLogSlowerThanMicros: number('slowlog-log-slower-than'),
  };
}

/** Parses the reply of `SLOWLOG GET`: [id, time, duration µs, [command, ...args], client addr, client name]. */
export function parseSlowlog(reply: unknown): SlowlogEntry[] {
  if (!Array.isArray(reply)) throw new Error('SLOWLOG GET did not return a list');
  return reply.map((entry: unknown) => {
    if (!Array.isArray(entry) || !Array.isArray(entry[3])) throw new Error('SLOWLOG GET returned a malformed entry');
    return {
      id: Number(entry[0]),
      time: Number(entry[1]),
      durationMicros: Number(entry[2]),
      command: elideArguments(entry[3].map(String)),
    };
  });
}

const MAX_COMMAND_NAME = 32;
/** How Redis itself shortens an argument list longer than 32 in the slow log. */
const MORE_ARGUMENTS = /^\.\.\. \((\d+) more arguments\)$/;

/** Keeps the command name and only the count of its arguments: keys and values may be confidential. */
export function elideArguments(argv: readonly string[]): string {
  const [name = '?', ...args] = argv;
  const more = MORE_ARGUMENTS.exec(args.at(-1) ?? '');
  const count = more === null ? args.length : args.length - 1 + Number(more[1]);
  const command = name.slice(0, MAX_COMMAND_NAME).toUpperCase();
  return count === 0 ? command : `${command} [${count} arg${count === 1 ? '' : 's'}]`;
}

const IDLE_SECONDS = 300;

/** Summarises `CLIENT LIST` (one `field=value …` line per client) without keeping addresses or names. */
export function summarizeClientList(text: string): NonNullable<Facts['clientList']> {
  const summary = { count: 0, blocked: 0, idleOver300s: 0, biggestOutputBufferBytes: 0 };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const fields = new Map<string, string>();
    for (const pair of line.split(' ')) {
      const equals = pair.indexOf('=');
      if (equals > 0) fields.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    summary.count += 1;
    if (fields.get('flags')?.includes('b')) summary.blocked += 1;
    if (Number(fields.get('idle')) > IDLE_SECONDS) summary.idleOver300s += 1;
    summary.biggestOutputBufferBytes = Math.max(summary.biggestOutputBufferBytes, Number(fields.get('omem')) || 0);
  }
  return summary;
}

const SLOWLOG_ENTRIES = 10;

export const connector: Connector<Facts> = {
  defaultUrl: (address) => `redis://${address}`,

  async collect(target: ConnectionTarget, { timeoutMs }): Promise<Facts> {
    const where = `Redis ${target.instance.name}`;
    const fail = (what: string, error: unknown): Error =>
      new Error(`${where}: ${what}: ${redactUrl(messageOf(error), target.url)}`);
    let redis: Redis;
    try {
      redis = new Redis(target.url, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        // The ready check would wait out a server still loading its dataset; INFO answers meanwhile.
        enableReadyCheck: false,
        // RESP2 works with every server version and gives CONFIG GET the same flat shape everywhere.
        protocol: 2,
        // CLIENT SETINFO does not exist before Redis 7.2 and is not needed to read.
        disableClientInfo: true,
      });
    } catch (error) {
      throw fail('invalid connection URL', error);
    }
    // Why a connection failed (ECONNREFUSED, ETIMEDOUT…) comes only as an 'error' event; connect() just
    // rejects with "Connection is closed". Listening also keeps ioredis from printing it to stderr.
    let connectionError: unknown;
    redis.on('error', (error: unknown) => {
      connectionError = error;
    });
    try {
      try {
        await redis.connect();
      } catch (error) {
        throw fail('cannot connect', connectionError ?? error);
      }
      const pipeline = redis.pipeline().info('all');
      for (const name of CONFIG_PARAMETERS) pipeline.config('GET', name);
      pipeline.slowlog('LEN').slowlog('GET', SLOWLOG_ENTRIES).client('LIST');
      let replies: [Error | null, unknown][];
      try {
        replies = (await pipeline.exec()) ?? [];
      } catch (error) {
        throw fail('reading INFO, CONFIG, SLOWLOG and CLIENT LIST failed', error);
      }
      const reply = (index: number): unknown => {
        const [error, result] = replies[index] ?? [new Error('no reply'), undefined];
        if (error) throw error;
        return result;
      };

      let info: InfoFacts;
      try {
        info = parseInfo(String(reply(0)));
      } catch (error) {
        throw fail('INFO failed', error);
      }
      const facts: Facts = { ...info, unavailable: {} };
      const configAt = 1;
      const slowlogAt = configAt + CONFIG_PARAMETERS.length;
      try {
        facts.config = parseConfig(CONFIG_PARAMETERS.map((_, offset) => reply(configAt + offset)));
      } catch (error) {
        facts.unavailable.config = messageOf(error);
      }
      try {
        facts.slowlog = { length: Number(reply(slowlogAt)), recent: parseSlowlog(reply(slowlogAt + 1)) };
      } catch (error) {
        facts.unavailable.slowlog = messageOf(error);
      }
      try {
        facts.clientList = summarizeClientList(String(reply(slowlogAt + 2)));
      } catch (error) {
        facts.unavailable.clientList = messageOf(error);
      }
      // INFO lacks these on older servers; CONFIG has them.
      facts.memory.maxmemoryBytes ??= facts.config?.maxmemoryBytes;
      facts.memory.maxmemoryPolicy ??= facts.config?.maxmemoryPolicy;
      facts.clients.maxclients ??= facts.config?.maxclients;
      return facts;
    } finally {
      redis.disconnect();
    }
  },
};
