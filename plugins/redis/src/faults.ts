/**
 * Real faults induced on a live Redis, with the rules that must catch them from the connector's facts.
 * They are safe on a shared server: every key carries a `ksa-fault:<random>:` prefix and is deleted on
 * undo, every CONFIG SET is restored, and nothing is flushed or reset. Never used by the analyzer.
 */
import { randomBytes } from 'node:crypto';
import { type Cleanup, type FaultScenario, induceFault } from '@kubestack/plugin-sdk';
import { Redis } from 'ioredis';

const MiB = 1024 ** 2;
/** Headroom between the data in use and the temporary maxmemory: a few writes fill it, others keep room. */
const MEMORY_HEADROOM_BYTES = 8 * MiB;
/** Filled to this share of the temporary limit: past the rule's 85 %, short of refusing writes. */
const MEMORY_FILL_SHARE = 0.9;
const FILL_VALUE_BYTES = 128 * 1024;
const FILL_MAX_KEYS = 200;
/** The duration of the induced slow command, and the slow-log threshold it is recorded under. */
const SLOW_SCRIPT_MICROS = 30_000;
const SLOWLOG_THRESHOLD_MICROS = 10_000;
/** The connector reads this many slow-log entries; undo pushes the induced one out of them. */
const SLOWLOG_ENTRIES_READ = 10;
/** Bounds waits on a local server; generous for a loaded machine (only a failure waits this long). */
const WAIT_MS = 30_000;
const POLL_MS = 50;

/** A busy loop inside Redis that returns after ARGV[1] microseconds (Redis runs one script at a time). */
const SLOW_SCRIPT =
  "local start = redis.call('TIME') local elapsed = 0 repeat local now = redis.call('TIME') " +
  'elapsed = (now[1] - start[1]) * 1000000 + (now[2] - start[2]) until elapsed >= tonumber(ARGV[1]) ' +
  'return elapsed';

/** Names unique to one injection, so concurrent runs and other suites never collide. */
function uniquePrefix(): string {
  return `ksa-fault:${randomBytes(4).toString('hex')}:`;
}

/** A connection for inducing faults; its errors reject commands instead of being printed by ioredis. */
async function connect(url: string, name?: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: WAIT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(name === undefined ? {} : { connectionName: name }),
  });
  // Why a connection failed comes only as an 'error' event; listening also keeps ioredis from printing it.
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const cause = lastError ?? error;
    throw new Error(`Redis fault: cannot connect (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  return redis;
}

async function configGet(redis: Redis, name: string): Promise<string> {
  const reply = (await redis.config('GET', name)) as string[];
  const value = reply[1];
  if (value === undefined) throw new Error(`CONFIG GET ${name} returned nothing`);
  return value;
}

async function usedMemory(redis: Redis): Promise<number> {
  const match = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (match?.[1] === undefined) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Polls `done` until it holds, or fails naming `what` after WAIT_MS. */
async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Redis fault: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Induces a fault whose setup registers an undo step for everything right after creating it. */
function injecting(setup: (cleanup: Cleanup) => Promise<void>): Promise<() => Promise<void>> {
  // Redis fault errors already say what failed.
  return induceFault('Redis fault', setup, { failed: (error) => error });
}

const memoryNearLimitNoeviction: FaultScenario = {
  id: 'memory-near-maxmemory-noeviction',
  title: 'Redis is near maxmemory with noeviction',
  fires: ['memory-near-limit-noeviction'],
  inject: (url) =>
    injecting(async (cleanup) => {
      const admin = await connect(url);
      cleanup.add(() => admin.disconnect());
      const originalMaxmemory = await configGet(admin, 'maxmemory');
      const originalPolicy = await configGet(admin, 'maxmemory-policy');
      const keys: string[] = [];
      cleanup.add(async () => {
        await admin.config('SET', 'maxmemory', originalMaxmemory);
        await admin.config('SET', 'maxmemory-policy', originalPolicy);
      });
      cleanup.add(async () => {
        if (keys.length > 0) await admin.unlink(...keys);
      });
      const limit = (await usedMemory(admin)) + MEMORY_HEADROOM_BYTES;
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', String(limit));
      const prefix = uniquePrefix();
      const value = randomBytes(FILL_VALUE_BYTES).toString('base64');
      while ((await usedMemory(admin)) < MEMORY_FILL_SHARE * limit) {
        if (keys.length >= FILL_MAX_KEYS) throw new Error('Redis fault: memory did not reach the fill share');
        const key = `${prefix}fill:${keys.length}`;
        keys.push(key);
        await admin.set(key, value);
      }
    }),
};

const blockedClient: FaultScenario = {
  id: 'client-blocked-in-blpop',
  title: 'A Redis client is blocked in BLPOP on a list nobody feeds',
  fires: ['blocked-clients'],
  inject: (url) =>
    injecting(async (cleanup) => {
      const prefix = uniquePrefix();
      const name = `${prefix.replaceAll(':', '-')}blpop`;
      const admin = await connect(url);
      cleanup.add(() => admin.disconnect());
      const blockedNow = async (): Promise<boolean> =>
        String(await admin.client('LIST'))
          .split('\n')
          .some((line) => line.includes(` name=${name} `) && /\bflags=\S*b/.test(line));
      const blocker = await connect(url, name);
      let waiting: Promise<unknown> = Promise.resolve();
      cleanup.add(async () => {
        blocker.disconnect();
        // Rejected with "Connection is closed" once the blocker disconnects.
        await waiting;
        await waitFor('the BLPOP client to go', async () => !String(await admin.client('LIST')).includes(name));
      });
      waiting = blocker.blpop(`${prefix}never`, 0).catch(() => null);
      await waitFor('the BLPOP client to block', blockedNow);
    }),
};

const slowCommand: FaultScenario = {
  id: 'slow-command',
  title: 'A 30 ms Lua script stalled Redis',
  fires: ['slow-commands'],
  inject: (url) =>
    injecting(async (cleanup) => {
      const admin = await connect(url);
      cleanup.add(() => admin.disconnect());
      const original = await configGet(admin, 'slowlog-log-slower-than');
      // A slow-log entry cannot be deleted without SLOWLOG RESET, which would erase everyone's history:
      // undo buries it under fast entries, out of the most recent ones the connector reads.
      cleanup.add(async () => {
        try {
          await admin.config('SET', 'slowlog-log-slower-than', '0');
          const absent = `${uniquePrefix()}absent`;
          for (let index = 0; index < SLOWLOG_ENTRIES_READ + 2; index += 1) await admin.exists(absent);
        } finally {
          await admin.config('SET', 'slowlog-log-slower-than', original);
        }
      });
      // The rule's own 10 ms, not 0: at 0 the TIME calls inside the script would flood the log.
      await admin.config('SET', 'slowlog-log-slower-than', String(SLOWLOG_THRESHOLD_MICROS));
      try {
        await admin.eval(SLOW_SCRIPT, 0, String(SLOW_SCRIPT_MICROS));
      } finally {
        await admin.config('SET', 'slowlog-log-slower-than', original);
      }
    }),
};

export const faults: FaultScenario[] = [memoryNearLimitNoeviction, blockedClient, slowCommand];
