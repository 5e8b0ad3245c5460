/** The Prometheus and Elasticsearch clients against the real services of the local stack. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import { ElasticsearchSource } from '../../src/sources/elasticsearch.ts';
import { SourceError } from '../../src/sources/errors.ts';
import { PrometheusSource } from '../../src/sources/prometheus.ts';

const prometheusService = serviceFromEnv('KSA_PROMETHEUS_URL');
const elasticsearchService = serviceFromEnv('KSA_ELASTICSEARCH_URL');

describe('PrometheusSource on a real Prometheus', { skip: prometheusService.skip }, () => {
  const prometheus = new PrometheusSource({ url: prometheusService.url ?? '', timeoutMs: 5000, retries: 1 });

  it('answers instant queries with labels and values', async () => {
    const samples = await prometheus.instant('up');
    assert.ok(samples.length >= 7, `expected every stack target, got ${samples.length}`);
    for (const sample of samples) {
      assert.equal(typeof sample.labels.job, 'string');
      assert.ok(sample.value === 0 || sample.value === 1);
    }
    const [scalar] = await prometheus.instant('scalar(vector(42))');
    assert.equal(scalar?.value, 42);
  });

  it('decodes range queries into typed arrays', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 60_000);
    const series = await prometheus.range('up{job="prometheus"} or up', from, to, 5);
    assert.ok(series.length > 0);
    const first = series[0];
    assert.ok(first);
    assert.ok(first.values instanceof Float64Array);
    assert.equal(first.timestamps.length, first.values.length);
    assert.ok(first.values.length >= 2, 'a minute at a 5 s step has several points');
  });

  it('discovers series and label values', async () => {
    const series = await prometheus.series(['up']);
    assert.ok(series.some((labels) => labels.__name__ === 'up'));
    const jobs = await prometheus.labelValues('job', ['up']);
    for (const job of ['redis', 'postgresql', 'mysql', 'rabbitmq', 'kafka', 'elasticsearch']) {
      assert.ok(jobs.includes(job), `job ${job} is scraped`);
    }
  });

  it('reports a bad query as the caller’s fault, naming the source', async () => {
    await assert.rejects(prometheus.instant('sum(('), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.source, 'prometheus');
      assert.equal(error.failure, 'bad_query');
      assert.match(error.message, /^prometheus: bad_data/);
      return true;
    });
  });

  it('names the source and keeps credentials out of errors when unreachable', async () => {
    const down = new PrometheusSource({ url: 'http://user:secret@127.0.0.1:2', timeoutMs: 500, retries: 1 });
    await assert.rejects(down.instant('up'), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.failure, 'unreachable');
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });
});

describe('ElasticsearchSource on a real Elasticsearch', { skip: elasticsearchService.skip }, () => {
  const url = elasticsearchService.url ?? '';
  const index = `ksa-test-logs-${randomUUID().slice(0, 8)}`;
  const source = new ElasticsearchSource({ url, index, timeoutMs: 5000, retries: 1 });
  const base = Date.parse('2026-01-01T00:00:00Z');
  const lines = [
    ['redis', 'cache-1:6379', 'info', 'Ready to accept connections'],
    ['redis', 'cache-1:6379', 'warning', 'WARNING overcommit_memory is set to 0'],
    ['redis', 'cache-1:6379', 'error', 'OOM command not allowed when used memory > maxmemory'],
    ['redis', 'cache-2:6379', 'error', 'OOM command not allowed when used memory > maxmemory'],
    ['postgresql', 'db-1:5432', 'error', 'ERROR:  deadlock detected'],
  ] as const;

  before(async () => {
    const put = async (path: string, body: unknown, method = 'PUT') => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': path.includes('_bulk') ? 'application/x-ndjson' : 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      assert.ok(response.ok, `${path}: HTTP ${response.status} ${await response.text()}`);
    };
    await put(`/${index}`, {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          service: { properties: { type: { type: 'keyword' }, instance: { type: 'keyword' } } },
          log: { properties: { level: { type: 'keyword' } } },
          message: { type: 'text' },
        },
      },
    });
    const bulk = lines
      .flatMap(([type, instance, level, message], i) => [
        JSON.stringify({ index: {} }),
        JSON.stringify({
          '@timestamp': new Date(base + i * 60_000).toISOString(),
          service: { type, instance },
          log: { level },
          message,
        }),
      ])
      .join('\n');
    await put(`/${index}/_bulk?refresh=true`, `${bulk}\n`, 'POST');
  });
  after(async () => {
    await fetch(`${url}/${index}`, { method: 'DELETE' });
  });

  const window = { from: new Date(base - 1000), to: new Date(base + 3600_000) };

  it('searches by window, service, instance, level and text, newest first', async () => {
    const all = await source.search(window, 10);
    assert.equal(all.total, 5);
    assert.equal(all.lines[0]?.message, 'ERROR:  deadlock detected');
    const cache1 = await source.search({ ...window, serviceType: 'redis', instance: 'cache-1:6379' }, 10);
    assert.equal(cache1.total, 3);
    assert.deepEqual(
      cache1.lines.map((line) => line.level),
      ['error', 'warning', 'info'],
    );
    const errors = await source.search({ ...window, serviceType: 'redis', levels: ['error'] }, 10);
    assert.equal(errors.total, 2);
    const text = await source.search({ ...window, text: 'OOM maxmemory' }, 10);
    assert.equal(text.total, 2);
    const early = await source.search({ from: new Date(base - 1000), to: new Date(base + 30_000) }, 10);
    assert.equal(early.total, 1);
  });

  it('counts terms and builds a date histogram', async () => {
    assert.deepEqual(await source.terms(window, 'log.level'), { error: 3, info: 1, warning: 1 });
    const histogram = await source.histogram({ ...window, to: new Date(base + 300_000) }, 120, 'log.level');
    assert.equal(
      histogram.reduce((sum, bucket) => sum + bucket.count, 0),
      5,
    );
    // Buckets are aligned on the interval: the first two lines share the bucket starting at `base`.
    const first = histogram.find((bucket) => bucket.timestamp === base);
    assert.equal(first?.count, 2);
    assert.deepEqual(first?.split, { info: 1, warning: 1 });
  });

  it('names the source when unreachable', async () => {
    const down = new ElasticsearchSource({ url: 'http://127.0.0.1:2', index, timeoutMs: 500, retries: 0 });
    await assert.rejects(down.search(window, 1), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.source, 'elasticsearch');
      assert.equal(error.failure, 'unreachable');
      return true;
    });
  });
});
