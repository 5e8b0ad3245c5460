import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExplainInputError, interpolatePromql, type PanelContext, resolvePanelQueries } from '../../src/rca/panel.ts';
import { fleetTopology, hostOf } from '../../src/rca/topology.ts';

const SOURCES = { prom: 'prometheus', logs: 'elasticsearch' } as const;

function panel(
  targets: PanelContext['targets'],
  type = 'timeseries',
  datasource?: PanelContext['panel']['datasource'],
) {
  return { panel: { title: 'Latency', type, ...(datasource === undefined ? {} : { datasource }) }, targets };
}

function rejects(context: PanelContext, code: string, message: RegExp) {
  assert.throws(
    () => resolvePanelQueries(context, SOURCES),
    (error: unknown) => error instanceof ExplainInputError && error.code === code && message.test(error.message),
  );
}

describe('resolvePanelQueries', () => {
  it('binds Prometheus and Elasticsearch targets to their configured sources', () => {
    const resolved = resolvePanelQueries(
      panel([
        { refId: 'A', datasource: { type: 'prometheus', uid: 'prom' }, expr: ' rate(x[5m]) ' },
        {
          refId: 'B',
          datasource: { type: 'elasticsearch', uid: 'logs' },
          query: 'log.level:error',
          metrics: [{ type: 'count' }],
        },
        { refId: 'C', datasource: { uid: 'prom' }, expr: 'up', hide: true },
      ]),
      SOURCES,
    );
    assert.deepEqual(resolved, [
      { refId: 'A', language: 'promql', expr: 'rate(x[5m])', dataSourceUid: 'prom' },
      { refId: 'B', language: 'lucene', query: 'log.level:error', dataSourceUid: 'logs' },
    ]);
  });

  it('takes the panel data source when a target names none, and a bare uid string', () => {
    const fromPanel = resolvePanelQueries(
      panel([{ expr: 'up' }], 'stat', { uid: 'prom', type: 'prometheus' }),
      SOURCES,
    );
    assert.equal(fromPanel[0]?.dataSourceUid, 'prom');
    assert.equal(fromPanel[0]?.refId, 'A');
    const legacy = resolvePanelQueries(panel([{ refId: 'Q', datasource: 'logs' }]), SOURCES);
    assert.deepEqual(legacy, [{ refId: 'Q', language: 'lucene', query: '*', dataSourceUid: 'logs' }]);
  });

  it('says what cannot be explained', () => {
    rejects(panel([]), 'EMPTY_PANEL', /no visible queries/);
    rejects(panel([{ expr: 'up', datasource: { uid: 'prom' }, hide: true }]), 'EMPTY_PANEL', /no visible queries/);
    rejects(panel([{ expr: 'up', datasource: { uid: 'prom' } }], 'text'), 'PANEL_WITHOUT_DATA', /text panel/);
    rejects(
      panel([{ refId: 'A', expr: 'up', datasource: { uid: 'nope', type: 'prometheus' } }]),
      'UNKNOWN_DATASOURCE',
      /"nope".*known uids: prom, logs/,
    );
    rejects(panel([{ refId: 'A', expr: 'up' }]), 'UNKNOWN_DATASOURCE', /names no data source/);
    rejects(panel([{ refId: 'A', expr: 'up', datasource: { uid: `\${ds}` } }]), 'UNRESOLVED_VARIABLE', /\$ds/);
    rejects(
      panel([{ refId: 'A', datasource: { uid: 'loki-main', type: 'loki' } }]),
      'UNKNOWN_DATASOURCE',
      /a loki data source/,
    );
    rejects(
      panel([{ refId: 'A', expr: 'up', datasource: { uid: 'prom', type: 'loki' } }]),
      'UNSUPPORTED_QUERY_LANGUAGE',
      /configured as prometheus but the panel says loki/,
    );
    rejects(panel([{ refId: 'A', datasource: { uid: 'prom' } }]), 'EMPTY_QUERY', /no PromQL/);
    rejects(
      panel([{ refId: 'B', datasource: { uid: 'logs' }, metrics: [{ type: 'avg' }] }]),
      'UNSUPPORTED_QUERY_LANGUAGE',
      /metric "avg"/,
    );
  });
});

describe('interpolatePromql', () => {
  const values = { stepSeconds: 15, rateIntervalSeconds: 60, rangeSeconds: 3600 };

  it("fills Grafana's interval variables in both spellings", () => {
    assert.equal(
      interpolatePromql(
        `rate(a[$__rate_interval]) + rate(b[\${__interval}]) / $__range_s + increase(c[$__range])`,
        values,
      ),
      'rate(a[60s]) + rate(b[15s]) / 3600 + increase(c[3600s])',
    );
  });

  it('refuses a query that still holds a dashboard variable, and leaves regex anchors alone', () => {
    assert.throws(() => interpolatePromql('up{instance="$instance"}', values), /\$instance/);
    assert.throws(() => interpolatePromql('up{job=~"[[job]]"}', values), /\$\[\[|job/);
    assert.equal(interpolatePromql('up{job=~"redis$"}', values), 'up{job=~"redis$"}');
  });
});

describe('fleetTopology', () => {
  const instance = (id: string, name: string, labels: Record<string, string> = {}) => ({
    id,
    type: id.split(':')[0] as string,
    name,
    labels: { instance: name, job: 'x', ...labels },
    displayName: id,
    category: 'cache' as const,
    up: true,
  });

  it('relates instances on one host, then by shared identifying labels, and keeps declared dependencies', () => {
    const topology = fleetTopology(
      [
        instance('redis:10.0.0.1:6379', '10.0.0.1:6379'),
        instance('postgresql:10.0.0.1:5432', '10.0.0.1:5432'),
        instance('kafka:10.0.0.2:9092', '10.0.0.2:9092', { cluster: 'shop' }),
        instance('mysql:10.0.0.3:3306', '10.0.0.3:3306', { cluster: 'shop' }),
        instance('rabbitmq:10.0.0.4:5672', '10.0.0.4:5672', { cluster: 'other' }),
      ],
      [{ from: 'service:checkout', to: 'postgresql:10.0.0.1:5432' }],
    );
    assert.deepEqual(topology.dependencies, [{ from: 'service:checkout', to: 'postgresql:10.0.0.1:5432' }]);
    assert.deepEqual(topology.relations, [
      { a: 'redis:10.0.0.1:6379', b: 'postgresql:10.0.0.1:5432', kind: 'same-host' },
      { a: 'kafka:10.0.0.2:9092', b: 'mysql:10.0.0.3:3306', kind: 'shared-labels' },
    ]);
  });

  it('finds the host of IPv4, bracketed IPv6 and bare addresses', () => {
    assert.equal(hostOf('10.0.0.1:6379'), '10.0.0.1');
    assert.equal(hostOf('[::1]:6379'), '::1');
    assert.equal(hostOf('fe80::1'), 'fe80::1');
    assert.equal(hostOf('db.internal'), 'db.internal');
  });
});
