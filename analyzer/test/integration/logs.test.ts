/** Log pattern mining against the real Elasticsearch of the local stack, on a dedicated test index. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import { readLogPatterns } from '../../src/logs/index.ts';
import { ElasticsearchSource, type LogRecord } from '../../src/sources/elasticsearch.ts';
import { CLOSED_URL } from '../support.ts';

const elasticsearchService = serviceFromEnv('KSA_ELASTICSEARCH_URL');

const MINUTE = 60_000;
const BASE = Date.parse('2026-01-05T00:00:00Z');
const BASELINE = { from: new Date(BASE), to: new Date(BASE + 60 * MINUTE) };
const WINDOW = { from: new Date(BASE + 60 * MINUTE), to: new Date(BASE + 120 * MINUTE) };

const DB = { instanceId: 'postgresql:db-1:5432', serviceType: 'postgresql', instance: 'db-1:5432' };
const CACHE = { instanceId: 'redis:cache-1:6379', serviceType: 'redis', instance: 'cache-1:6379' };
const QUIET = { instanceId: 'redis:cache-9:6379', serviceType: 'redis', instance: 'cache-9:6379' };

interface Doc {
  time: number;
  type: string;
  instance: string;
  level: string;
  message: string;
}

function pgTime(time: number): string {
  return new Date(time).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** Two hours of logs: steady lines everywhere; on db-1, connections surge and a FATAL appears at 1:30. */
function documents(): Doc[] {
  const docs: Doc[] = [];
  const db = (time: number, level: string, text: string) =>
    docs.push({ time, type: 'postgresql', instance: DB.instance, level, message: `${pgTime(time)} ${text}` });
  for (let time = BASE; time < BASE + 120 * MINUTE; time += 30_000) {
    const i = (time - BASE) / 30_000;
    db(time, 'info', `[${3000 + i}] LOG:  connection received: host=10.1.2.${i % 250} port=${40_000 + i}`);
    if (i % 10 === 0) db(time + 1, 'info', `[42] LOG:  checkpoint starting: time`);
    docs.push({
      time,
      type: 'redis',
      instance: CACHE.instance,
      level: 'notice',
      message: `${4000 + i}:M 05 Jan 2026 00:00:00.000 * Background saving started by pid ${4000 + i}`,
    });
  }
  for (let time = BASE + 90 * MINUTE; time < BASE + 120 * MINUTE; time += 3000) {
    const i = (time - BASE) / 3000;
    db(time + 7, 'info', `[${9000 + i}] LOG:  connection received: host=10.9.9.${i % 250} port=${50_000 + i}`);
    if (i % 4 === 0) db(time + 9, 'FATAL', `[${9000 + i}] FATAL:  sorry, too many clients already`);
  }
  return docs;
}

describe('readLogPatterns on a real Elasticsearch', { skip: elasticsearchService.skip }, () => {
  const url = elasticsearchService.url ?? '';
  const index = `ksa-test-log-patterns-${randomUUID().slice(0, 8)}`;
  const textTimestamps = `${index}-text-time`;
  const source = new ElasticsearchSource({ url, index, timeoutMs: 10_000, retries: 1 });
  const docs = documents();

  const request = async (path: string, body: unknown, method = 'PUT') => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': path.includes('_bulk') ? 'application/x-ndjson' : 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${path}: HTTP ${response.status} ${text}`);
    assert.doesNotMatch(text, /"errors":true/, `${path}: some documents were rejected`);
  };
  const create = (name: string, timestampType: string, lines: Doc[]) => async () => {
    await request(`/${name}`, {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: timestampType },
          service: { properties: { type: { type: 'keyword' }, instance: { type: 'keyword' } } },
          log: { properties: { level: { type: 'keyword' } } },
          message: { type: 'text' },
        },
      },
    });
    const bulk = lines.flatMap((doc) => [
      JSON.stringify({ index: {} }),
      JSON.stringify({
        '@timestamp': new Date(doc.time).toISOString(),
        service: { type: doc.type, instance: doc.instance },
        log: { level: doc.level },
        message: doc.message,
      }),
    ]);
    await request(`/${name}/_bulk?refresh=true`, `${bulk.join('\n')}\n`, 'POST');
  };

  before(create(index, 'date', docs));
  before(create(textTimestamps, 'text', docs.slice(0, 10)));
  after(async () => {
    await fetch(`${url}/${index},${textTimestamps}`, { method: 'DELETE' });
  });

  it('scans oldest first, page by page, up to the limit', async () => {
    const filter = { ...WINDOW, serviceType: 'postgresql', instance: DB.instance };
    const expected = docs.filter((doc) => doc.instance === DB.instance && doc.time >= BASE + 60 * MINUTE).length;
    const pages: LogRecord[][] = [];
    const all = await source.scan(filter, { limit: 10_000, pageSize: 97 }, (page) => pages.push(page));
    assert.deepEqual(all, { lines: expected, truncated: false });
    assert.ok(pages.length > 5 && pages.every((page) => page.length <= 97));
    const times = pages.flat().map((line) => Date.parse(line.timestamp));
    assert.equal(new Set(pages.flat().map((line) => `${line.timestamp} ${line.message}`)).size, expected);
    assert.ok(
      times.every((time, i) => i === 0 || time >= (times[i - 1] ?? 0)),
      'ascending',
    );

    let seen = 0;
    const cut = await source.scan(filter, { limit: 250, pageSize: 100 }, (page) => {
      seen += page.length;
    });
    assert.deepEqual(cut, { lines: 250, truncated: true });
    assert.equal(seen, 250);
    const exact = await source.scan(filter, { limit: expected, pageSize: 100 }, () => {});
    assert.deepEqual(exact, { lines: expected, truncated: false });
  });

  it('reports the surging and new patterns of the instance that changed, and nothing for steady ones', async () => {
    const reports = await readLogPatterns(source, [DB, CACHE, QUIET], WINDOW, BASELINE);
    assert.deepEqual(
      reports.map((report) => report.instanceId),
      [DB.instanceId, CACHE.instanceId, QUIET.instanceId],
    );
    const [db, cache, quiet] = reports;
    assert.ok(db && cache && quiet);

    assert.equal(db.available, true);
    assert.equal(db.truncated, false);
    assert.equal(
      db.baselineLines,
      docs.filter((doc) => doc.instance === DB.instance && doc.time < BASE + 60 * MINUTE).length,
    );
    assert.deepEqual(
      db.newPatterns.map((change) => change.template),
      ['<*> [<*>] FATAL: sorry, too many clients already'],
    );
    const fatal = db.newPatterns[0];
    assert.ok(fatal);
    assert.equal(fatal.currentCount, 150);
    assert.equal(fatal.onset, BASE + 90 * MINUTE + 9);
    assert.deepEqual(fatal.levels, { error: 150 });
    assert.deepEqual(
      db.surgingPatterns.map((change) => change.template),
      ['<*> [<*>] LOG: connection received: host=<*> port=<*>'],
    );
    const surge = db.surgingPatterns[0];
    assert.ok(surge);
    assert.equal(surge.baselineCount, 120);
    assert.equal(surge.currentCount, 720);
    assert.ok(
      surge.onset >= BASE + 89 * MINUTE && surge.onset <= BASE + 91 * MINUTE,
      new Date(surge.onset).toISOString(),
    );
    assert.equal(db.errorSurge?.template, fatal.template);

    assert.equal(cache.available, true);
    assert.equal(cache.currentLines, 120);
    assert.deepEqual([cache.newPatterns, cache.surgingPatterns, cache.errorSurge], [[], [], null]);
    assert.deepEqual([quiet.available, quiet.baselineLines, quiet.currentLines], [true, 0, 0]);
  });

  it('marks a read cut by the limit as truncated and rates over what was read', async () => {
    const [db] = await readLogPatterns(source, [DB], WINDOW, BASELINE, { linesPerWindow: 100, pageSize: 40 });
    assert.ok(db);
    assert.deepEqual([db.available, db.truncated, db.baselineLines, db.currentLines], [true, true, 100, 100]);
    // The first 100 current lines span about 45 minutes of steady traffic: no surge in that part.
    assert.deepEqual(db.surgingPatterns, []);
  });

  it('marks every target unavailable, without throwing, when Elasticsearch is down or rejects the query', async () => {
    const down = new ElasticsearchSource({ url: CLOSED_URL, index, timeoutMs: 500, retries: 0 });
    const reports = await readLogPatterns(down, [DB, CACHE], WINDOW, BASELINE);
    assert.deepEqual(
      reports.map((report) => [report.instanceId, report.available, report.newPatterns, report.errorSurge]),
      [
        [DB.instanceId, false, [], null],
        [CACHE.instanceId, false, [], null],
      ],
    );
    // Sorting on a text field is refused (HTTP 400): someone's own indices mapped differently.
    const rejecting = new ElasticsearchSource({ url, index: textTimestamps, timeoutMs: 5000, retries: 0 });
    const [rejected] = await readLogPatterns(rejecting, [DB], WINDOW, BASELINE);
    assert.equal(rejected?.available, false);
  });
});
