/**
 * Predictive maintenance on the real stack: Redis memory grows at a steady rate toward a maxmemory
 * set for the test; the forecast endpoint, asked halfway, must predict when writes will start failing
 * to within 10 % of the time left — checked against the moment Redis really refuses a write.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addressOf, eventually, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { AUTH, appWith } from '../support.ts';

const prometheus = serviceFromEnv('KSA_PROMETHEUS_URL');
const redisService = serviceFromEnv('REDIS_URL');
const skip = prometheus.skip || redisService.skip;
const MiB = 1024 ** 2;
const HEADROOM_BYTES = 20 * MiB;
const VALUE_BYTES = 32 * 1024;
const WRITE_EVERY_MS = 250; // 128 KiB/s: the headroom lasts about 160 s
const ASK_AFTER_MS = 80_000;

describe('predictive maintenance on the real stack', { skip }, () => {
  let app: FastifyInstance;
  let redis: Redis;
  const prefix = `ksa-predict:${randomBytes(4).toString('hex')}:`;
  let restore: Array<[string, string]> = [];

  before(async () => {
    const env: Record<string, string> = { KSA_INVENTORY_CACHE_SECONDS: '0' };
    for (const [name, value] of Object.entries(process.env)) if (name.startsWith('KSA_') && value) env[name] = value;
    app = await appWith(env, PLUGINS);
    redis = new Redis(redisService.url as string, { maxRetriesPerRequest: 1 });
    const config = async (name: string) => ((await redis.config('GET', name)) as string[])[1] ?? '';
    restore = [
      ['maxmemory', await config('maxmemory')],
      ['maxmemory-policy', await config('maxmemory-policy')],
    ];
  });

  after(async () => {
    for (const [name, value] of restore) await redis.config('SET', name, value);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    await app.close();
  });

  it('predicts when Redis memory reaches maxmemory within 10 % of the time left', { timeout: 400_000 }, async () => {
    const id = `redis:${addressOf(redisService.url as string)}`;
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(used + HEADROOM_BYTES));
    // Wait until Prometheus has scraped the new limit.
    await eventually('the new maxmemory to reach Prometheus', async () => {
      const response = await app.inject({ url: `/api/v1/instances/${encodeURIComponent(id)}/signals`, headers: AUTH });
      const memory = response.json().signals.find((signal: { id: string }) => signal.id === 'used_memory');
      return memory?.limit?.value === used + HEADROOM_BYTES ? true : undefined;
    });

    const value = randomBytes(VALUE_BYTES).toString('base64').slice(0, VALUE_BYTES);
    const started = Date.now();
    let written = 0;
    const refused = new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        redis.set(`${prefix}${written++}`, value).catch((error: Error) => {
          clearInterval(timer);
          if (/OOM/.test(error.message)) resolve(Date.now());
          else reject(error);
        });
      }, WRITE_EVERY_MS);
    });

    await new Promise((resolve) => setTimeout(resolve, ASK_AFTER_MS));
    const askedAt = Date.now();
    const history = Math.floor((askedAt - started) / 1000);
    const response = await app.inject({
      url: `/api/v1/instances/${encodeURIComponent(id)}/forecast?signal=used_memory&horizon=3600&history=${history}`,
      headers: AUTH,
    });
    assert.equal(response.statusCode, 200, response.body);
    const forecast = response.json();
    assert.equal(forecast.limit.name, 'maxmemory');
    assert.equal(forecast.exhaustion.status, 'crossing', JSON.stringify(forecast.exhaustion));
    const predicted = Date.parse(forecast.exhaustion.at);

    const actual = await refused;
    const left = actual - askedAt;
    const error = Math.abs(predicted - actual);
    process.stderr.write(
      `predictive: asked ${Math.round((askedAt - started) / 1000)} s into the growth (${forecast.method}); ` +
        `predicted in ${((predicted - askedAt) / 1000).toFixed(1)} s, refused in ${(left / 1000).toFixed(1)} s, ` +
        `error ${((100 * error) / left).toFixed(1)} % of the time left\n`,
    );
    assert.ok(actual > askedAt, 'the prediction came before the crossing');
    assert.ok(
      error <= 0.1 * left,
      `predicted ${new Date(predicted).toISOString()}, refused at ${new Date(actual).toISOString()}`,
    );
    assert.ok(Date.parse(forecast.exhaustion.earliest) <= predicted);
  });
});
